/* cmd_gen.c - synthetic data (being written). */
#include "config.h"
#include "equip_cli.h"

int cmd_gen(const struct opts *o)
{
	(void)o;
	die(EXIT_USAGE, "muster gen: not built yet");
}
