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
 *	ff_err with a status (status.h), the errno and a message. The
 *	library never exits and never prints, except diagnostics through
 *	msg.h (syslog, and stderr as configured there).
 *
 * SEE ALSO
 *	status.h, msg.h, conf.h, qid.h, site.h, domlist.h, map.h, sfile.h,
 *	spool.h, trigger.h, logread.h, logscan.h, logadd.h, flush.h,
 *	refresh.h, qfile.h, qscan.h, qread.h, qdest.h, rebuild.h, qview.h,
 *	qviewout.h,
 *	inspect.h, master.h, server.h, cli.h; fastflush(7).
 */
#ifndef FF_FASTFLUSH_H
#define FF_FASTFLUSH_H

#include "status.h"
#include "msg.h"
#include "clock.h"
#include "json.h"
#include "unixsock.h"
#include "fmt.h"
#include "conf.h"
#include "expand.h"
#include "qid.h"
#include "site.h"
#include "domlist.h"
#include "siphash.h"
#include "map.h"
#include "idcount.h"
#include "sfile.h"
#include "line.h"
#include "spool.h"
#include "trigger.h"
#include "logread.h"
#include "logscan.h"
#include "logadd.h"
#include "flush.h"
#include "refresh.h"
#include "qfile.h"
#include "qscan.h"
#include "qread.h"
#include "qdest.h"
#include "rebuild.h"
#include "qview.h"
#include "qviewout.h"
#include "inspect.h"
#include "attr0.h"
#include "flushproto.h"
#include "flushsvc.h"
#include "flushtext.h"
#include "flushd.h"
#include "flushclnt.h"
#include "fdpass.h"
#include "scache.h"
#include "scached.h"
#include "scwire.h"
#include "scclnt.h"
#include "master.h"
#include "server.h"
#include "cli.h"

#endif
