/* lang.c - the user's language, for muster and musterd alike. */
#include "config.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_zh(void)
{
	static int zh = -1;
	if (zh < 0) {
		const char *v = getenv("LC_ALL");
		if (!v || !*v)
			v = getenv("LC_MESSAGES");
		if (!v || !*v)
			v = getenv("LANG");
		zh = v && strncmp(v, "zh", 2) == 0;
	}
	return zh;
}
