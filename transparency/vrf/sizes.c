/*
 * sizes.c - the size macros of cairn/vrf.h as functions, for language
 * bindings that cannot see C macros. A test checks both agree.
 */
#include "cairn/vrf.h"

size_t cairn_vrf_public_key_bytes(void) { return CAIRN_VRF_PUBLIC_KEY_BYTES; }
size_t cairn_vrf_secret_key_bytes(void) { return CAIRN_VRF_SECRET_KEY_BYTES; }
size_t cairn_vrf_proof_bytes(void) { return CAIRN_VRF_PROOF_BYTES; }
size_t cairn_vrf_output_bytes(void) { return CAIRN_VRF_OUTPUT_BYTES; }
