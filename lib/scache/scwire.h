/*
 * scwire.h - the connection cache protocol's names and status codes
 * (client, server, takeover and commands share them)
 *
 * SYNOPSIS
 *	#include "scache/scwire.h"
 *
 * DESCRIPTION
 *	Postfix 3.7's scache(8) protocol (POSTFIX-FACTS, scached.h): the
 *	server greets with FF_SC_A_PROTOCOL = FF_SC_PROTOCOL; a request is
 *	an attribute list that starts with FF_SC_A_REQUEST; the reply starts
 *	with FF_SC_A_STATUS, one of FF_SCACHE_OK, FF_SCACHE_BAD (a bad
 *	request) and FF_SCACHE_FAIL (failed, or not found). Saves and finds
 *	pass descriptors around FF_SC_A_DUMMY lists. The requests past
 *	Postfix's four (stats, list, delete, handoff) and the takeover's
 *	lists (FF_SC_A_KIND = listener, endp, dest, end) are fastflush's.
 */
#ifndef FF_SCWIRE_H
#define FF_SCWIRE_H

#define FF_SC_PROTOCOL		"connection_cache_protocol"

/* attribute names */
#define FF_SC_A_PROTOCOL	"protocol"
#define FF_SC_A_REQUEST		"request"
#define FF_SC_A_STATUS		"status"
#define FF_SC_A_TTL		"ttl"
#define FF_SC_A_LABEL		"label"
#define FF_SC_A_PROPERTY	"property"
#define FF_SC_A_ENDPOINT	"endpoint"
#define FF_SC_A_DUMMY		"dummy"
#define FF_SC_A_KIND		"kind"
#define FF_SC_A_COUNT		"count"
#define FF_SC_A_PEER		"peer"

/* requests: Postfix's four, then fastflush's */
#define FF_SC_R_SAVE_ENDP	"save_endp"
#define FF_SC_R_FIND_ENDP	"find_endp"
#define FF_SC_R_SAVE_DEST	"save_dest"
#define FF_SC_R_FIND_DEST	"find_dest"
#define FF_SC_R_STATS		"stats"
#define FF_SC_R_LIST		"list"
#define FF_SC_R_DELETE		"delete"
#define FF_SC_R_HANDOFF		"handoff"

/* kinds (delete, list, the takeover) */
#define FF_SC_K_ENDP		"endp"
#define FF_SC_K_DEST		"dest"
#define FF_SC_K_ALL		"all"
#define FF_SC_K_LISTENER	"listener"
#define FF_SC_K_END		"end"

/* status codes */
#define FF_SCACHE_OK	0
#define FF_SCACHE_BAD	1
#define FF_SCACHE_FAIL	2

#endif
