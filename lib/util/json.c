/*
 * json.c - JSON output (see json.h)
 */
#include "util/json.h"
#include "util/utf8.h"

/* ff_json_str - a JSON string; bytes that are not UTF-8 become \u00XX */
void
ff_json_str(FILE *fp, const char *key, const char *s, size_t len)
{
	if (key != NULL)
		fprintf(fp, "\"%s\":", key);
	putc('"', fp);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\t': fputs("\\t", fp); break;
		case '\r': fputs("\\r", fp); break;
		default:
			if (ch >= 0x80) {
				size_t n = ff_utf8_len((const unsigned char *)s + i, len - i);
				if (n == 0) {
					fprintf(fp, "\\u%04x", ch);
				} else {
					fwrite(s + i, 1, n, fp);
					i += n - 1;
				}
			} else if (ch < 0x20 || ch == 0x7f) {
				fprintf(fp, "\\u%04x", ch);
			} else {
				putc(ch, fp);
			}
		}
	}
	putc('"', fp);
}
