/*
 * lint.c - the rules every curated reply of the built-in engine must pass
 * (SR-25); a test runs it over every reply in the committed model, and
 * the model loader does not (a lint is a policy, not a format rule).
 *
 * Rules: 1..80 bytes of printable ASCII, starts with a capital letter and
 * ends with . ! or ?; no profanity; no gendered words (replies go to
 * anyone); nothing over-familiar (pet names, "love you", kisses, slang
 * forms of address) because the app cannot know the relationship.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

static const char *const profanity[] = {
    "damn*", "hell", "shit*", "fuck*", "crap*", "bitch*", "bastard*", "ass",
    "asses", "arse*", "bloody", "piss*", "dick*", "wtf", "omg", "bollocks",
    "bugger*", "cock", "cocks", "cunt*", "twat*", "wank*", "prick*", "slut*",
    "whore*", "douche*", "jerk*", "idiot*", "stupid", "sucks", "screw*"};
static const char *const gendered[] = {
    "he", "she", "him", "her", "his", "hers", "himself", "herself", "man",
    "men", "woman", "women", "guy", "guys", "girl*", "boy*", "lady",
    "ladies", "gentlem*", "sir", "madam", "ma'am", "mister", "miss", "mrs",
    "mr", "ms", "bro", "sis", "dude*", "lad", "lads", "gal", "gals"};
static const char *const familiar[] = {
    "babe*", "baby", "bae", "honey", "hun", "hon", "sweetie*", "sweetheart*",
    "darling*", "dear", "dearest", "luv", "xoxo", "xx", "xxx", "kiss*",
    "hug", "hugs", "sexy", "cutie*", "handsome", "gorgeous", "mate", "buddy",
    "pal", "bestie", "love you", "love ya", "miss you", "my love"};

/* Lower-cased words of the reply, apostrophes kept so "ma'am" matches. */
static size_t words_of(const char *s, size_t len, char w[][24], size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        size_t k = 0;
        while (i < len && !isalnum((unsigned char)s[i]))
            i++;
        while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '\'')) {
            if (k < 23)
                w[n][k++] = (char)tolower((unsigned char)s[i]);
            i++;
        }
        if (k > 0) {
            w[n][k] = '\0';
            n++;
        }
    }
    return n;
}

static bool match1(const char *pat, const char *word)
{
    size_t pl = strlen(pat);
    if (pl > 0 && pat[pl - 1] == '*')
        return strncmp(pat, word, pl - 1) == 0;
    return strcmp(pat, word) == 0;
}

/* Patterns may be two words ("love you"). */
static bool listed(const char *const *list, size_t n, char w[][24], size_t nw)
{
    for (size_t i = 0; i < n; i++) {
        const char *sp = strchr(list[i], ' ');
        for (size_t j = 0; j < nw; j++) {
            if (sp == NULL) {
                if (match1(list[i], w[j]))
                    return true;
            } else if (j + 1 < nw) {
                size_t l = (size_t)(sp - list[i]);
                if (strlen(w[j]) == l && strncmp(list[i], w[j], l) == 0 &&
                    match1(sp + 1, w[j + 1]))
                    return true;
            }
        }
    }
    return false;
}

int smartreply__lint_reply(const char *s, size_t len, const char **why)
{
    char w[32][24];
    size_t nw;
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if (s == NULL || len == 0 || len > 80) {
        *why = "length must be 1..80 bytes";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7E) {
            *why = "only printable ASCII";
            return -1;
        }
    }
    if (!isupper((unsigned char)s[0])) {
        *why = "must start with a capital letter";
        return -1;
    }
    if (strchr(".!?", s[len - 1]) == NULL) {
        *why = "must end with . ! or ?";
        return -1;
    }
    nw = words_of(s, len, w, 32);
    if (listed(profanity, CAIRN_ARRAY_LEN(profanity), w, nw)) {
        *why = "profanity";
        return -1;
    }
    if (listed(gendered, CAIRN_ARRAY_LEN(gendered), w, nw)) {
        *why = "gendered word";
        return -1;
    }
    if (listed(familiar, CAIRN_ARRAY_LEN(familiar), w, nw)) {
        *why = "over-familiar";
        return -1;
    }
    *why = NULL;
    return 0;
}
