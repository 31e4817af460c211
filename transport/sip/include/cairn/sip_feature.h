/*
 * sip_feature.h - the OMA CPM / GSMA RCS feature tags (RFC 3840 media
 * feature tags carrying 3GPP ICSI / IARI values) that RCS puts in Contact,
 * Accept-Contact, P-Preferred-Service and P-Asserted-Service.
 *
 * Writing is strict (SIP-40): one +g.3gpp.icsi-ref and one
 * +g.3gpp.iari-ref parameter, each a quoted, comma-separated list of URNs
 * with ':' percent-encoded as %3A. Reading is lenient (SIP-41): tag names
 * in any case with or without '+', quoted or not, percent-encoded or not,
 * any order, several URNs in one tag, a tag repeated, <> around a URN.
 */
#ifndef CAIRN_SIP_FEATURE_H
#define CAIRN_SIP_FEATURE_H

#include "cairn/sip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bit flags; a set of features is their OR. */
typedef enum cairn_sip_feature {
    /* urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session (1-1 / group chat) */
    CAIRN_SIP_FEATURE_CPM_SESSION = 1u << 0,
    /* urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg (pager mode) */
    CAIRN_SIP_FEATURE_CPM_MSG = 1u << 1,
    /* urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg (large message) */
    CAIRN_SIP_FEATURE_CPM_LARGEMSG = 1u << 2,
    /* urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer (FT over MSRP) */
    CAIRN_SIP_FEATURE_CPM_FILETRANSFER = 1u << 3,
    /* urn:urn-7:3gpp-application.ims.iari.rcs.fthttp (FT over HTTP) */
    CAIRN_SIP_FEATURE_FTHTTP = 1u << 4
} cairn_sip_feature;

#define CAIRN_SIP_FEATURE_ALL 0x1fu

/* The URN of one feature ("urn:urn-7:..."), or NULL for anything that is
 * not exactly one known flag. Static storage. */
const char *cairn_sip_feature_urn(unsigned feature);

/* The feature a URN names, or 0. Lenient: surrounding whitespace, quotes
 * and <>, percent-encoding and case are ignored. */
unsigned cairn_sip_feature_from_urn(cairn_sip_str urn);

/* The features in a parameter list such as a Contact's or an
 * Accept-Contact's (";+g.3gpp.icsi-ref=..."), or 0. Malformed parameters
 * end the scan (what was found before them counts). */
unsigned cairn_sip_features_from_params(cairn_sip_str params);

/* The union of the features found in every value of the header: for
 * Contact and Accept-Contact (and any other name-addr / '*' header) in the
 * parameters; for P-Preferred-Service / P-Asserted-Service in the URNs. */
unsigned cairn_sip_msg_features(const cairn_sip_msg *m, const char *header);

/* Appends the parameters for a feature set (strict form above) to out,
 * e.g. ;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg".
 * Unknown bits: CAIRN_ERR_INVALID_ARG. Buffer errors from out. */
cairn_status cairn_sip_features_format(struct cairn__buf *out, unsigned features);

#ifdef __cplusplus
}
#endif
#endif
