/*
 * support.h - helpers shared by the smartreply tests: the committed model
 * loaded into memory, a host with one conversation opted in, and message
 * arrays built from string literals.
 */
#ifndef SR_TEST_SUPPORT_H
#define SR_TEST_SUPPORT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "cairn/smartreply.h"
#include "test_support.h"

#define SR_CONV ((const uint8_t *)"conv-1")
#define SR_CONV_LEN 6

/* The committed model (malloc'd, cached for the process). */
const uint8_t *srt_model(size_t *len);
/* A host on ctx with smart replies on globally and for SR_CONV. */
cairn_smartreply *srt_host(cairn_context *ctx);
/* Fills msgs from texts; the last `mine` flags come from flags[]. */
void srt_msgs(cairn_smartreply_message *msgs, const char *const *texts,
              const int *from_me, size_t n);
/* Suggest with the one-message conversation "text" from someone else. */
cairn_status srt_suggest1(cairn_smartreply *sr, const char *text,
                          cairn_smartreply_list **out);

#endif
