/*
 * qviewout.c - print the deferred queue per destination (see qviewout.h)
 */
#include <stdio.h>
#include <string.h>

#include "util/json.h"
#include "util/msg.h"
#include "flush/qviewout.h"

#define NO_DOMAIN	"(no domain)"
#define NO_FLUSH	"no fast flush"
#define NO_FILE		" (no file)"
#define SAFE_MAX	(4 * 1024 + 8)	/* names and addresses as shown: vis(3) */

/* the age columns: qshape's buckets (ff_qview_age_bucket()) and labels */
const char *const ff_qview_age_label[FF_QVIEW_NAGES] = {
	"5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+",
};

const char *
ff_qview_fmt_age(long long s, char *buf, size_t size)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

/*
 * safe - a name or an address from a queue file, printable: a hostile
 * recipient must not put terminal escapes on an admin's screen
 */
static const char *
safe(const char *s, char buf[SAFE_MAX])
{
	return ff_msg_safe(s, strlen(s), buf, SAFE_MAX);
}

static const char *
shown_name(const struct ff_qview_dest *d, char buf[SAFE_MAX])
{
	return d->name[0] != 0 ? safe(d->name, buf) : NO_DOMAIN;
}

/* log_cell - the LOGFILE column of a destination */
static const char *
log_cell(const struct ff_qview_dest *d, char *buf, size_t size)
{
	if (d->log[0] == 0)
		return NO_FLUSH;
	snprintf(buf, size, "%s%s", d->log, d->log_exists ? "" : NO_FILE);
	return buf;
}

static int
age_width(int i)
{
	int w = (int)strlen(ff_qview_age_label[i]);

	return w < 4 ? 5 : w + 1;
}

static void
json_time(FILE *fp, const char *key, const struct ff_qview_dest *d, long long t)
{
	if (d->messages == 0)
		fprintf(fp, ",\"%s\":null", key);
	else
		fprintf(fp, ",\"%s\":%lld", key, t);
}

static void
json_dest(FILE *fp, const struct ff_qview_dest *d, unsigned how)
{
	fputs("{\"queue_name\":\"deferred\",", fp);
	ff_json_str(fp, "destination", d->name, strlen(d->name));
	if (d->log[0] != 0) {
		putc(',', fp);
		ff_json_str(fp, "log", d->log, strlen(d->log));
	} else {
		fputs(",\"log\":null", fp);
	}
	fprintf(fp, ",\"messages\":%lu,\"recipients\":%lu,\"message_size\":%lld", d->messages,
	    d->recipients, d->bytes);
	json_time(fp, "oldest_arrival_time", d, d->oldest);
	json_time(fp, "newest_arrival_time", d, d->newest);
	if (d->log[0] != 0)
		fprintf(fp, ",\"missing\":%lu,\"stale\":%lu", d->missing, d->stale);
	else
		fputs(",\"missing\":null,\"stale\":null", fp);
	if (how & FF_QOUT_AGES) {
		fputs(",\"ages\":{", fp);
		for (int i = 0; i < FF_QVIEW_NAGES; i++)
			fprintf(fp, "%s\"%s\":%lu", i ? "," : "", ff_qview_age_label[i], d->ages[i]);
		putc('}', fp);
	}
	fputs("}\n", fp);
}

/* text_table - one row per destination, columns as wide as their widest cell */
static void
text_table(FILE *fp, const struct ff_qview *v, unsigned how)
{
	char logbuf[FF_QID_MAX + 16], old[32], new[32], name[SAFE_MAX];
	int nw = (int)strlen("DESTINATION"), lw = (int)strlen("LOGFILE"), w;

	for (size_t i = 0; i < v->ndest; i++) {
		if ((w = (int)strlen(shown_name(v->dest[i], name))) > nw)
			nw = w;
		if ((w = (int)strlen(log_cell(v->dest[i], logbuf, sizeof(logbuf)))) > lw)
			lw = w;
	}
	if (!(how & FF_QOUT_QUIET) && v->ndest > 0) {
		fprintf(fp, "%-*s %8s %10s %12s %7s %7s  %-*s %7s %6s", nw, "DESTINATION",
		    "MESSAGES", "RECIPIENTS", "BYTES", "OLDEST", "NEWEST", lw, "LOGFILE",
		    "MISSING", "STALE");
		for (int i = 0; (how & FF_QOUT_AGES) && i < FF_QVIEW_NAGES; i++)
			fprintf(fp, "%*s", age_width(i), ff_qview_age_label[i]);
		putc('\n', fp);
	}
	for (size_t i = 0; i < v->ndest; i++) {
		const struct ff_qview_dest *d = v->dest[i];

		if (d->messages > 0) {
			ff_qview_fmt_age(v->now - d->oldest, old, sizeof(old));
			ff_qview_fmt_age(v->now - d->newest, new, sizeof(new));
		} else {
			strlcpy(old, "-", sizeof(old));
			strlcpy(new, "-", sizeof(new));
		}
		fprintf(fp, "%-*s %8lu %10lu %12lld %7s %7s  %-*s", nw, shown_name(d, name), d->messages,
		    d->recipients, d->bytes, old, new, lw, log_cell(d, logbuf, sizeof(logbuf)));
		if (d->log[0] != 0)
			fprintf(fp, " %7lu %6lu", d->missing, d->stale);
		else
			fprintf(fp, " %7s %6s", "-", "-");
		for (int j = 0; (how & FF_QOUT_AGES) && j < FF_QVIEW_NAGES; j++)
			fprintf(fp, "%*lu", age_width(j), d->ages[j]);
		putc('\n', fp);
	}
}

static void
json_msg(FILE *fp, const struct ff_qview_msg *m)
{
	const char *r = m->rcpt;

	fputs("{\"queue_name\":\"deferred\",", fp);
	ff_json_str(fp, "queue_id", m->id, strlen(m->id));
	fprintf(fp, ",\"arrival_time\":%lld,\"message_size\":%lld", m->arrival, m->size);
	if (m->logged >= 0)
		fprintf(fp, ",\"logged\":%s", m->logged ? "true" : "false");
	fputs(",\"recipients\":[", fp);
	for (size_t i = 0; i < m->nrcpt; i++, r += strlen(r) + 1) {
		fputs(i ? ",{" : "{", fp);
		ff_json_str(fp, "address", r, strlen(r));
		putc('}', fp);
	}
	fputs("]}\n", fp);
}

/* text_ids - a summary line, a header, and one row per message */
static void
text_ids(FILE *fp, const struct ff_qview *v, const struct ff_qview_dest *d, unsigned how)
{
	char age[32], buf[SAFE_MAX];

	if (!(how & FF_QOUT_QUIET)) {
		if (d->log[0] != 0)
			fprintf(fp, "%s: flush/%s%s: %lu messages, %lu recipients, %lu missing, "
			    "%lu stale\n", shown_name(d, buf), d->log, d->log_exists ? "" : NO_FILE,
			    d->messages, d->recipients, d->missing, d->stale);
		else
			fprintf(fp, "%s: %s: %lu messages, %lu recipients\n", shown_name(d, buf),
			    NO_FLUSH, d->messages, d->recipients);
		if (d->nmsgs > 0)
			fprintf(fp, "%-20s %7s %10s %6s  %s\n", "QUEUE_ID", "AGE", "SIZE", "LOGGED",
			    "RECIPIENTS");
	}
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct ff_qview_msg *m = &d->msgs[i];
		const char *r = m->rcpt;

		fprintf(fp, "%-20s %7s %10lld %6s ", m->id,
		    ff_qview_fmt_age(v->now - m->arrival, age, sizeof(age)), m->size,
		    m->logged < 0 ? "-" : m->logged ? "yes" : "no");
		for (size_t j = 0; j < m->nrcpt; j++, r += strlen(r) + 1)
			fprintf(fp, " %s", safe(r, buf));
		putc('\n', fp);
	}
}

void
ff_qview_print(FILE *fp, const struct ff_qview *v, unsigned how)
{
	unsigned long skipped = v->skipped + v->unreadable;

	if (how & FF_QOUT_IDS) {
		for (size_t i = 0; i < v->ndest; i++) {
			if (!(how & FF_QOUT_JSON))
				text_ids(fp, v, v->dest[i], how);
			for (size_t j = 0; (how & FF_QOUT_JSON) && j < v->dest[i]->nmsgs; j++)
				json_msg(fp, &v->dest[i]->msgs[j]);
		}
	} else if (how & FF_QOUT_JSON) {
		for (size_t i = 0; i < v->ndest; i++)
			json_dest(fp, v->dest[i], how);
	} else {
		text_table(fp, v, how);
	}
	if (skipped > 0 && !(how & (FF_QOUT_JSON | FF_QOUT_QUIET)))
		fprintf(fp, "skipped: %lu queue file%s and %lu director%s that could not be "
		    "read\n", v->skipped, v->skipped == 1 ? "" : "s", v->unreadable,
		    v->unreadable == 1 ? "y" : "ies");
}
