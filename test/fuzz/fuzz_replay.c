/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Replay driver: the main() of a harness built without libFuzzer (the
 * default gcc build). It runs the harness over every file of the given
 * corpus directories (or files), then over deterministic pseudo-random
 * mutations of them, and accepts the libFuzzer options the test suite
 * and test/fuzz/run-fuzz pass, so both builds are driven the same way:
 *
 *   fuzz_NAME [-runs=N] [-seed=S] [-artifact_prefix=P] [-X=...] PATH...
 *
 * -runs=N counts the mutated inputs (default 500); other -X=... options
 * are ignored. At the end it prints libFuzzer's final statistics lines
 * (stat::number_of_executed_units, stat::average_exec_per_sec). An input
 * that makes the harness crash or abort is written to P + "crash-replay"
 * by a signal handler before the process dies.
 */

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

/** Largest input read or made. */
#define REPLAY_MAX_INPUT 16384
/** Most seeds kept in memory. */
#define REPLAY_MAX_SEEDS 4096

/** The seeds read from the command line. */
struct seeds {
	uint8_t *data[REPLAY_MAX_SEEDS];
	size_t len[REPLAY_MAX_SEEDS];
	unsigned int n;
};

/** The input being run (for the crash handler). */
static const uint8_t *current_input;
static size_t current_len;
/** Where the crash handler writes it. */
static char crash_path[4096] = "crash-replay";

/* ------------------------------------------------------------------ */
/* Crash capture                                                       */
/* ------------------------------------------------------------------ */

/**
 * Signal handler: write the current input to crash_path (async-signal-
 * safe calls only), then die of the same signal.
 */
static void
on_crash(int sig)
{
	int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0 && current_input != NULL) {
		ssize_t w = write(fd, current_input, current_len);

		(void)w;
		close(fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/** Install on_crash for the signals a failed check or bad access gives. */
static void
crash_capture_install(void)
{
	static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	unsigned int i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_crash);
}

/**
 * Run the harness over one input, held in a buffer of exactly its size
 * so that a sanitizer build sees any read past its end.
 */
static void
run_one(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len != 0 ? len : 1);

	if (copy == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(1);
	}
	if (len != 0)
		memcpy(copy, data, len);
	current_input = copy;
	current_len = len;
	LLVMFuzzerTestOneInput(copy, len);
	current_input = NULL;
	free(copy);
}

/* ------------------------------------------------------------------ */
/* Reading the corpus                                                  */
/* ------------------------------------------------------------------ */

/** Read one file into the seeds (files over the maximum are cut). */
static void
seed_add_file(struct seeds *s, const char *path)
{
	uint8_t *buf;
	ssize_t n;
	int fd;

	if (s->n == REPLAY_MAX_SEEDS)
		return;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		exit(1);
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (buf == NULL)
		exit(1);
	n = read(fd, buf, REPLAY_MAX_INPUT);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		exit(1);
	}
	s->data[s->n] = buf;
	s->len[s->n] = (size_t)n;
	s->n++;
}

/** Read a file, or every regular file of a directory, into the seeds. */
static void
seed_add_path(struct seeds *s, const char *path)
{
	char sub[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: no such file %s\n", path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		seed_add_file(s, path);
		return;
	}
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
			seed_add_file(s, sub);
	}
	closedir(d);
}

/* ------------------------------------------------------------------ */
/* Mutations                                                           */
/* ------------------------------------------------------------------ */

/** xorshift64*: the next pseudo-random number of a state. */
static uint64_t
rnd_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/** A pseudo-random number below n (n > 0). */
static size_t
rnd_below(uint64_t *state, size_t n)
{
	return (size_t)(rnd_next(state) % n);
}

/** Values that often sit on a parser's edges. */
static const uint8_t interesting[] = { 0x00, 0x01, 0x02, 0x03, 0x07, 0x08,
	0x0f, 0x10, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff };

/**
 * Apply one random mutation to buf (len bytes, room for
 * REPLAY_MAX_INPUT): flip a bit, set a byte (random or an edge value),
 * set a big-endian 16-bit edge value, insert or delete bytes, cut the
 * tail, or copy a chunk of a seed over it.
 *
 * @return the new length
 */
static size_t
mutate_once(uint64_t *rs, uint8_t *buf, size_t len, const struct seeds *s)
{
	size_t pos = len != 0 ? rnd_below(rs, len) : 0;
	size_t k;

	switch (rnd_below(rs, 8)) {
	case 0:
		if (len != 0)
			buf[pos] ^= (uint8_t)(1u << rnd_below(rs, 8));
		return len;
	case 1:
		if (len != 0)
			buf[pos] = (uint8_t)rnd_next(rs);
		return len;
	case 2:
		if (len != 0)
			buf[pos] = interesting[rnd_below(rs,
						sizeof(interesting))];
		return len;
	case 3:
		if (len >= 2) {
			pos = rnd_below(rs, len - 1);
			buf[pos] = interesting[rnd_below(rs,
						sizeof(interesting))];
			buf[pos + 1] = (uint8_t)rnd_next(rs);
		}
		return len;
	case 4:
		k = 1 + rnd_below(rs, 16);
		if (len + k > REPLAY_MAX_INPUT)
			return len;
		memmove(buf + pos + k, buf + pos, len - pos);
		memset(buf + pos, (int)(rnd_next(rs) & 0xff), k);
		return len + k;
	case 5:
		if (len == 0)
			return 0;
		k = 1 + rnd_below(rs, len - pos);
		memmove(buf + pos, buf + pos + k, len - pos - k);
		return len - k;
	case 6:
		return len != 0 ? rnd_below(rs, len + 1) : 0;
	default: {
		unsigned int i = (unsigned int)rnd_below(rs, s->n);
		size_t from, n;

		if (s->len[i] == 0 || len == 0)
			return len;
		from = rnd_below(rs, s->len[i]);
		n = 1 + rnd_below(rs, s->len[i] - from);
		if (n > len - pos)
			n = len - pos;
		memcpy(buf + pos, s->data[i] + from, n);
		return len;
	}
	}
}

/** Run n mutated inputs, each 1 to 4 mutations away from a seed. */
static void
run_mutations(const struct seeds *s, unsigned long n, uint64_t seed)
{
	static uint8_t buf[REPLAY_MAX_INPUT];
	uint64_t rs = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned int from = (unsigned int)rnd_below(&rs, s->n);
		size_t len = s->len[from];
		unsigned int k, steps = 1 + (unsigned int)rnd_below(&rs, 4);

		memcpy(buf, s->data[from], len);
		for (k = 0; k < steps; k++)
			len = mutate_once(&rs, buf, len, s);
		run_one(buf, len);
	}
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

/** Seconds of a monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/**
 * Parse the options, replay the corpus and its mutations, print the
 * statistics.
 *
 * @return 0 (a finding aborts the process)
 */
int
main(int argc, char **argv)
{
	static struct seeds s;
	unsigned long runs = 500;
	uint64_t seed = 0;
	double t0, dt;
	unsigned int i;
	int a;

	crash_capture_install();
	for (a = 1; a < argc; a++) {
		if (strncmp(argv[a], "-runs=", 6) == 0)
			runs = strtoul(argv[a] + 6, NULL, 0);
		else if (strncmp(argv[a], "-seed=", 6) == 0)
			seed = strtoull(argv[a] + 6, NULL, 0);
		else if (strncmp(argv[a], "-artifact_prefix=", 17) == 0)
			snprintf(crash_path, sizeof(crash_path),
				 "%scrash-replay", argv[a] + 17);
		else if (argv[a][0] != '-')
			seed_add_path(&s, argv[a]);
	}
	if (s.n == 0) {
		fprintf(stderr, "usage: %s [-runs=N] [-seed=S] "
			"[-artifact_prefix=P] CORPUS...\n", argv[0]);
		return 2;
	}
	t0 = now_s();
	run_one(NULL, 0);
	for (i = 0; i < s.n; i++)
		run_one(s.data[i], s.len[i]);
	run_mutations(&s, runs, seed);
	dt = now_s() - t0;
	printf("replay: %u seeds, %lu mutations, no findings\n", s.n, runs);
	printf("stat::number_of_executed_units: %lu\n", runs + s.n + 1);
	printf("stat::average_exec_per_sec: %.0f\n",
	       dt > 0 ? (double)(runs + s.n + 1) / dt : 0.0);
	for (i = 0; i < s.n; i++)
		free(s.data[i]);
	return 0;
}
