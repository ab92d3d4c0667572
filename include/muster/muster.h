/*
 * muster/muster.h - the umbrella header of libmuster.
 */
#ifndef MUSTER_MUSTER_H
#define MUSTER_MUSTER_H

#include <muster/common.h>
#include <muster/codec.h>
#include <muster/merkle.h>
#include <muster/note.h>
#include <muster/key.h>
#include <muster/event.h>
#include <muster/store.h>
#include <muster/log.h>
#include <muster/mirror.h>
#include <muster/site.h>
#include <muster/json.h>
#include <muster/ident.h>
#include <muster/fields.h>
#include <muster/equip.h>
#include <muster/tag.h>
#include <muster/people.h>
#include <muster/money.h>
#include <muster/minisign.h>
#include <muster/audit.h>
#include <muster/summary.h>

#endif
