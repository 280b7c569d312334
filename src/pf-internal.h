/* SPDX-License-Identifier: MIT */
/*
 * Every internal header, for the unit tests and the tool. The library's
 * own files include only the headers of the modules they use (see
 * base.h).
 */
#ifndef PF_INTERNAL_H
#define PF_INTERNAL_H

#include "base.h"

#include "alloc.h"
#include "buf.h"
#include "conf.h"
#include "counter.h"
#include "error.h"
#include "family.h"
#include "format.h"
#include "gauge.h"
#include "histogram.h"
#include "lock.h"
#include "nodeexp.h"
#include "process.h"
#include "registry.h"
#include "render.h"
#include "shared.h"
#include "shreg.h"
#include "validate.h"
#include "writer.h"

#endif /* PF_INTERNAL_H */
