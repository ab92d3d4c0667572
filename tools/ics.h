/* tools/ics.h - an iCalendar (RFC 5545) writer: all-day VEVENTs for muster due --ics. */
#ifndef MUSTER_ICS_H
#define MUSTER_ICS_H

#include <muster/codec.h>
#include <stdint.h>

/* Appends "BEGIN:VCALENDAR" with VERSION:2.0, PRODID:prodid, CALSCALE:GREGORIAN, METHOD:PUBLISH, X-WR-CALNAME:calname (escaped) and X-WR-TIMEZONE:Asia/Shanghai. */
void ics_begin(muster_buf *b, const char *prodid, const char *calname);
/* One all-day VEVENT: UID uid, DTSTAMP stamp (unix seconds, written as UTC YYYYMMDDTHHMMSSZ), DTSTART;VALUE=DATE:YYYYMMDD (date given as integer YYYYMMDD), DTEND;VALUE=DATE the next day, SUMMARY, DESCRIPTION (may be NULL: then omitted), CATEGORIES (may be NULL), and a VALARM (ACTION:DISPLAY, TRIGGER:-P7D, DESCRIPTION = summary) when alarm_days > 0 (TRIGGER:-P<alarm_days>D). */
void ics_event(muster_buf *b, const char *uid, uint64_t stamp, uint64_t date_ymd, const char *summary, const char *description, const char *categories, unsigned alarm_days);
/* Appends "END:VCALENDAR". */
void ics_end(muster_buf *b);

/*
 * Notes on the contract (details the declarations above leave open):
 * - Every line ends CRLF and is folded at 75 octets (CRLF, one space), never
 *   inside a UTF-8 sequence nor inside an escape such as "\,".
 * - Every string is written as TEXT (RFC 5545 3.3.11): backslash, ';' and ','
 *   are escaped, a newline (LF, CRLF or CR) becomes "\n", other control
 *   characters become spaces, and invalid UTF-8 becomes U+FFFD.  NULL strings
 *   other than description and categories are taken as "".
 * - categories is one category: a comma in it is escaped, not a separator.
 * - A date_ymd that is not a real date in years 1..9999 (or 9999-12-31,
 *   whose DTEND has no four-digit year) writes nothing and sets b->err to
 *   MUSTER_EINVAL if it was 0.  A stamp past 9999-12-31T23:59:59Z is written
 *   as that instant.
 * - Errors are the buffer's: check b->err once after ics_end.
 */

#endif
