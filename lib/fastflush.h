/*
 * fastflush.h - the fastflush library: fast flush logfiles on a Postfix spool
 *
 * SYNOPSIS
 *	#include <fastflush/fastflush.h>	(pkg-config fastflush)
 *
 * DESCRIPTION
 *	One include for everything the commands use. The typical program:
 *
 *	struct ff_err e;
 *	struct ff_conf *conf = ff_conf_new();
 *	ff_conf_load(conf, NULL, &e);			main.cf
 *	struct ff_spool *sp = ff_spool_open(conf, &e);	queue_directory
 *	ff_spool_drop_privileges(sp, &e);		root -> spool owner
 *	ff_add(sp, "example.com", ids, n, logname, &e);
 *	ff_send_site(sp, "example.com", 0, &counts, NULL, NULL, logname, &e);
 *	ff_refresh(sp, 0, NULL, NULL, &totals, &e);
 *	ff_spool_close(sp);
 *	ff_conf_free(conf);
 *
 *	Every call that can fail returns -1 (or NULL) and fills a struct
 *	ff_err with a status (util/status.h), the errno and a message. The
 *	library never exits and never prints, except diagnostics through
 *	util/msg.h (syslog, and stderr as configured there).
 *
 * SEE ALSO
 *	The headers it includes, by layer, bottom to top: util/, postfix/,
 *	flush/ and scache/, server/ (each folder's README says what it
 *	holds); fastflush(7).
 */
#ifndef FF_FASTFLUSH_H
#define FF_FASTFLUSH_H

#include "util/status.h"
#include "util/msg.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/unixsock.h"
#include "util/fmt.h"
#include "util/siphash.h"
#include "util/map.h"
#include "util/sfile.h"
#include "util/line.h"
#include "postfix/conf.h"
#include "postfix/expand.h"
#include "postfix/qid.h"
#include "postfix/site.h"
#include "postfix/domlist.h"
#include "postfix/spool.h"
#include "postfix/policy.h"
#include "postfix/trigger.h"
#include "postfix/qfile.h"
#include "postfix/qscan.h"
#include "postfix/qread.h"
#include "postfix/attr0.h"
#include "postfix/fdpass.h"
#include "postfix/master.h"
#include "flush/idcount.h"
#include "flush/logread.h"
#include "flush/logscan.h"
#include "flush/logadd.h"
#include "flush/flush.h"
#include "flush/refresh.h"
#include "flush/qdest.h"
#include "flush/rebuild.h"
#include "flush/qview.h"
#include "flush/qviewout.h"
#include "flush/inspect.h"
#include "flush/flushproto.h"
#include "flush/flushsvc.h"
#include "flush/flushtext.h"
#include "flush/flushd.h"
#include "flush/flushclnt.h"
#include "scache/scache.h"
#include "scache/scached.h"
#include "scache/scwire.h"
#include "scache/scclnt.h"
#include "server/server.h"
#include "server/cli.h"

#endif
