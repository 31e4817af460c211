/*
 * gates.c - the built-in engine's refusals (SR-20, SR-21): it declines
 * text that is not English and text touching a sensitive topic, rather
 * than guess. Also the yes/no question test behind reply pairs (SR-24).
 *
 * Invariants: the sensitive check scans every token of every message it
 * is given (no token cap: a topic mentioned late still declines); patterns
 * are whole words, "stem*" prefixes or phrases of up to three words, all
 * lower-case ASCII; lookups are indexed by first letter so the cost stays
 * linear in the text. The lexicon is deliberately broad: a false decline
 * costs a suggestion, a false accept costs trust.
 */
#include <string.h>

#include "internal.h"

/* Grouped by topic; '*' marks a prefix. */
static const char *const lexicon[] = {
    /* illness and health */
    "sick", "sickness", "illness", /* not "ill": I'll tokenises to it */ "disease*", "cancer*", "tumor*",
    "tumour*", "chemo*", "hospital*", "diagnos*", "doctor*", "surgery",
    "surgeon*", "clinic*", "ambulance*", "covid*", "coronavirus", "flu",
    "fever*", "infection*", "virus", "pregnan*", "miscarr*", "medication*",
    "medicine*", "meds", "pill", "pills", "therap*", "depress*", "anxiety",
    "panic attack*", "mental health", "diabet*", "stroke", "heart attack*",
    "seizure*", "hiv", "symptom*", "injur*", "fractur*", "bleed*", "blood",
    "vomit*", "nurse*", "icu", "psychiatr*", "dementia", "alzheimer*",
    "disabilit*", "migraine*", "painkiller*", "pain", "terminal", "hospice",
    "cast on", "positive test", "tested positive",
    /* death */
    "death*", "dead", "die", "died", "dies", "dying", "deceased",
    "passed away", "pass away", "funeral*", "grave", "graves", "cemetery",
    "burial", "cremat*", "mourn*", "grief", "griev*", "condolence*",
    "widow*", "obituar*", "rip", "lost the baby", "lost our baby",
    /* self-harm */
    "suicid*", "self harm*", "selfharm*", "kill myself", "killing myself",
    "hurt myself", "hurting myself", "harm myself", "cut myself",
    "cutting myself", "end it all", "end my life", "want to die",
    "live anymore", "reason to live", "overdos*",
    /* violence */
    "kill", "kills", "killed", "killer*", "killing", "murder*", "shoot",
    "shooting*", "shooter*", "gun", "guns", "gunman", "gunmen", "knife",
    "knives", "stab*", "assault*", "abuse*", "abusive", "rape*", "raping",
    "violen*", "weapon*", "bomb*", "terror*", "hostage*", "threat*",
    "attack*", "punch*", "hit me", "hits me", "beat me", "beat up",
    "beaten up", "strangl*", "kidnap*", "tortur*", "war", "wars",
    /* sex */
    "sex*", "nude*", "naked", "porn*", "horny", "hookup*", "hook up",
    "condom*", "orgasm*", "erotic*", "boobs", "dick", "penis", "vagina",
    "genital*", "viagra", "onlyfans", "make love",
    /* money and credentials */
    "money", "cash", "bank", "banking", "loan*", "debt*", "mortgage*", "pay",
    "paying", "paid", "payment*", "payday", "salary", "wage*", "rent",
    "invoice*", "bill", "bills", "tax", "taxes", "refund*", "bitcoin*",
    "crypto*", "invest*", "stocks", "transfer*", "wire me", "venmo*",
    "paypal", "zelle", "revolut", "iban", "credit*", "debit*",
    "card number", "pin", "password*", "passcode*", "passwd", "login*",
    "log in", "otp", "2fa", "verification", "code", "codes", "ssn",
    "social security", "account*", "dollar*", "euro*", "pounds", "bucks",
    "owe", "owes", "owed", "donation*", "lottery", "gambl*", "inherit*",
    /* legal */
    "lawyer*", "attorney*", "solicitor*", "lawsuit*", "sue", "sued", "suing",
    "court*", "judge*", "arrest*", "police", "cop", "cops", "jail*",
    "prison*", "custody", "divorc*", "legal*", "illegal*", "warrant*",
    "bail", "probation", "parole", "convict*", "crime*", "criminal*",
    "witness*", "testif*", "trial", "deport*", "immigra*", "asylum",
    /* politics */
    "politic*", "election*", "elect", "vote", "votes", "voted", "voting",
    "voter*", "ballot*", "president*", "prime minister", "minister*",
    "government*", "parliament*", "congress*", "senate*", "senator*",
    "democrat*", "republican*", "labour party", "tory", "tories",
    "conservative*", "liberal*", "socialis*", "communis*", "fascis*",
    "trump", "biden", "protest*", "campaign*", "referendum*", "brexit",
    "left wing", "right wing",
    /* religion */
    "god", "gods", "pray*", "church*", "mosque*", "temple*", "synagogue*",
    "religio*", "bible*", "quran*", "koran", "torah", "jesus", "christ",
    "allah", "faith", "atheis*", "muslim*", "islam*", "christian*",
    "jewish", "jew", "jews", "hindu*", "buddhis*", "sikh*", "catholic*",
    "protestant*", "ramadan", "fasting", "sermon*", "pastor*", "priest*",
    "imam*", "rabbi*", "spiritual*", "heaven", /* not "hell": he'll */
};

#define N_PATTERNS CAIRN_ARRAY_LEN(lexicon)

/* Patterns indexed by the first byte of their LAST word. */
struct sr_lexicon {
    uint16_t start[257];
    uint16_t idx[N_PATTERNS];
};

static const char *last_word(const char *p)
{
    const char *s = strrchr(p, ' ');
    return s ? s + 1 : p;
}

cairn_status smartreply__lexicon_create(const cairn_smartreply_host *host,
                                        sr_lexicon **out)
{
    sr_lexicon *lx = host->alloc(host->ud, sizeof(*lx));
    size_t k = 0;
    if (lx == NULL)
        return CAIRN_ERR_NOMEM;
    for (unsigned c = 0; c < 256; c++) {
        lx->start[c] = (uint16_t)k;
        for (size_t i = 0; i < N_PATTERNS; i++)
            if ((unsigned char)last_word(lexicon[i])[0] == c)
                lx->idx[k++] = (uint16_t)i;
    }
    lx->start[256] = (uint16_t)k;
    *out = lx;
    return CAIRN_OK;
}

void smartreply__lexicon_free(const cairn_smartreply_host *host, sr_lexicon *lx)
{
    if (lx != NULL)
        host->free(host->ud, lx);
}

/* Does word pattern w[0..wl) (maybe ending in '*') match the token? */
static bool word_match(const char *w, size_t wl, const sr_token *t)
{
    if (wl > 0 && w[wl - 1] == '*') {
        wl--;
        return t->len >= wl && memcmp(w, t->s, wl) == 0;
    }
    return t->len == wl && memcmp(w, t->s, wl) == 0;
}

/* Matches pattern p against the tokens ending at ring[2] (older ring[1],
 * ring[0]; have = how many are valid). */
static bool pattern_match(const char *p, const sr_token ring[3], size_t have)
{
    const char *words[3];
    size_t lens[3], nw = 0;
    const char *s = p;
    while (*s && nw < 3) {
        const char *e = strchr(s, ' ');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        words[nw] = s;
        lens[nw++] = l;
        s += l + (e ? 1 : 0);
    }
    if (nw > have)
        return false;
    for (size_t i = 0; i < nw; i++)
        if (!word_match(words[nw - 1 - i], lens[nw - 1 - i], &ring[2 - i]))
            return false;
    return true;
}

bool smartreply__is_sensitive(const sr_lexicon *lx, const char *text, size_t len)
{
    sr_token ring[3];
    size_t pos = 0, have = 0;
    /* Currency signs are money talk even without a word around them. */
    if (memchr(text, '$', len) != NULL || memmem(text, len, "\xE2\x82\xAC", 3) ||
        memmem(text, len, "\xC2\xA3", 2) || memmem(text, len, "\xC2\xA5", 2))
        return true;
    memset(ring, 0, sizeof(ring));
    for (;;) {
        sr_token t;
        unsigned c;
        if (!smartreply__next_token(text, len, &pos, &t))
            break;
        ring[0] = ring[1];
        ring[1] = ring[2];
        ring[2] = t;
        if (have < 3)
            have++;
        c = (unsigned char)t.s[0];
        for (unsigned k = lx->start[c]; k < lx->start[c + 1]; k++)
            if (pattern_match(lexicon[lx->idx[k]], ring, have))
                return true;
    }
    return false;
}

static bool has_letter(const sr_token *t)
{
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if ((c >= 'a' && c <= 'z') || c >= 0x80)
            return true;
    }
    return false;
}

/* Frequent words of other Latin-script languages that are not English
 * words: one of them is enough to decline, whatever the rest looks like
 * ("ciao, come stai" is two "English" words out of three). */
static const char *const foreign[] = {
    "stai", "sono", "grazie", "della", "questo", "perch\xc3\xa9", "buongiorno",
    "hola", "gracias", "qu\xc3\xa9", "est\xc3\xa1", "est\xc3\xa1s", "estoy", "muy",
    "pero", "tambi\xc3\xa9n", "ma\xc3\xb1" "ana", "bonjour", "merci", "avec", "pour",
    "vous", "nous", "je", "cest", "\xc3\xa7" "a", "tr\xc3\xa8s", "aussi", "ich",
    "nicht", "und", "danke", "bitte", "heute", "morgen", "geht", "wie",
    "schon", "obrigado", "obrigada", "voc\xc3\xaa", "n\xc3\xa3o", "tudo", "bem",
    "hoe", "niet", "een", "jij", "och", "jag", "hej", "tack", "dziekuje",
};

static bool is_foreign(const sr_token *t)
{
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(foreign); i++)
        if (strlen(foreign[i]) == t->len && memcmp(foreign[i], t->s, t->len) == 0)
            return true;
    return false;
}

bool smartreply__is_english(const sr_model *m, const sr_token *toks, size_t n)
{
    size_t words = 0, known = 0;
    for (size_t i = 0; i < n; i++) {
        if (!has_letter(&toks[i]))
            continue;
        if (is_foreign(&toks[i]))
            return false;
        words++;
        known += smartreply__vocab_has(m, smartreply__word_hash(&toks[i]));
    }
    /* At least 60% of the words must be known English words. */
    return words > 0 && known * 10 >= words * 6;
}

bool smartreply__is_yes_no(const sr_token *toks, size_t n, bool question)
{
    static const char *const wh[] = {"what", "when", "where", "who", "whom",
                                     "whose", "why", "how", "which", "wya",
                                     "wyd"};
    if (!question || n == 0)
        return false;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(wh); i++)
        if (toks[0].len == strlen(wh[i]) && memcmp(toks[0].s, wh[i], toks[0].len) == 0)
            return false;
    /* "this or that?" is a choice, not a yes/no question. */
    for (size_t i = 1; i + 1 < n; i++)
        if (toks[i].len == 2 && memcmp(toks[i].s, "or", 2) == 0)
            return false;
    return true;
}
