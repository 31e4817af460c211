/*
 * cairn.h - the whole public API of libcairn. Apps include this one header.
 */
#ifndef CAIRN_H
#define CAIRN_H

#include "export.h"
#include "version.h"
#include "status.h"
#include "context.h"
#include "account.h"
#include "bundle.h"
#include "session.h"
#include "group.h"
#include "fingerprint.h"
#include "smartreply.h"
#include "engine.h"

#endif
