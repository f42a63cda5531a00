/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The devargs of a net_ipoib port: one parser per key, the table made
 * from the IPOIB_DEVARGS list, and ipoib_devargs_parse() on top of
 * rte_kvargs.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>

#include "hca_dev.h"
#include "ipoib.h"
#include "ipoib_devargs.h"
#include "ipoib_log.h"

static_assert(IPOIB_DEVARG_PEERS_MAX == IPOIB_PEER_MAX,
	      "peers= goes up to the peer cache's largest capacity");

/** Parse an unsigned number in [min, max] (C syntax: 10, 0x0a, 012). */
static int
ipoib_devarg_uint(const char *val, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	char *end;

	if (val == NULL || *val == '\0' || *val == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoul(val, &end, 0);
	if (errno != 0 || *end != '\0' || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/**
 * ibdev=: a CA name that fits and is no PCI address, without pci=; 0 or
 * -EINVAL.
 */
static int
ipoib_devarg_ibdev(const char *val, struct ipoib_args *a)
{
	if (val == NULL || *val == '\0' || strlen(val) >= sizeof(a->ibdev) ||
	    hca_dev_name_is_pci(val) || a->pci)
		return -EINVAL;
	strcpy(a->ibdev, val);
	return 0;
}

/** pci=: a PCI address DDDD:BB:DD.F, without ibdev=; 0 or -EINVAL. */
static int
ipoib_devarg_pci(const char *val, struct ipoib_args *a)
{
	if (!hca_dev_name_is_pci(val) || (a->ibdev[0] != '\0' && !a->pci))
		return -EINVAL;
	strcpy(a->ibdev, val);
	a->pci = true;
	return 0;
}

/** port=: a port number; 0 or -EINVAL. */
static int
ipoib_devarg_port(const char *val, struct ipoib_args *a)
{
	unsigned long v;

	if (ipoib_devarg_uint(val, IPOIB_DEVARG_PORT_MIN,
			      IPOIB_DEVARG_PORT_MAX, &v) < 0)
		return -EINVAL;
	a->port = (int)v;
	return 0;
}

/**
 * pkey=: a 16-bit P_Key whose partition is not 0; it is kept with the
 * full-member bit set. 0 or -EINVAL.
 */
static int
ipoib_devarg_pkey(const char *val, struct ipoib_args *a)
{
	unsigned long v;

	if (ipoib_devarg_uint(val, 1, UINT16_MAX, &v) < 0 ||
	    (v & IPOIB_PKEY_PARTITION_MASK) == 0)
		return -EINVAL;
	a->pkey = (uint16_t)(v | IPOIB_PKEY_FULL_MEMBER);
	return 0;
}

/** mode=: raw or eth; 0 or -EINVAL. */
static int
ipoib_devarg_mode(const char *val, struct ipoib_args *a)
{
	if (val != NULL && strcmp(val, "raw") == 0)
		a->mode = IPOIB_MODE_RAW;
	else if (val != NULL && strcmp(val, "eth") == 0)
		a->mode = IPOIB_MODE_ETH;
	else
		return -EINVAL;
	return 0;
}

/** peers=: the peer cache's capacity; 0 or -EINVAL. */
static int
ipoib_devarg_peers(const char *val, struct ipoib_args *a)
{
	unsigned long v;

	if (ipoib_devarg_uint(val, IPOIB_DEVARG_PEERS_MIN,
			      IPOIB_DEVARG_PEERS_MAX, &v) < 0)
		return -EINVAL;
	a->peers = (uint32_t)v;
	return 0;
}

/** grh=: always or auto; 0 or -EINVAL. */
static int
ipoib_devarg_grh(const char *val, struct ipoib_args *a)
{
	if (val != NULL && strcmp(val, "always") == 0)
		a->grh_auto = false;
	else if (val != NULL && strcmp(val, "auto") == 0)
		a->grh_auto = true;
	else
		return -EINVAL;
	return 0;
}

/** sa=: umad or inband; 0 or -EINVAL. */
static int
ipoib_devarg_sa(const char *val, struct ipoib_args *a)
{
	if (val != NULL && strcmp(val, "umad") == 0)
		a->sa = HCA_SA_TRANSPORT_UMAD;
	else if (val != NULL && strcmp(val, "inband") == 0)
		a->sa = HCA_SA_TRANSPORT_INBAND;
	else
		return -EINVAL;
	a->sa_given = true;
	return 0;
}

/** One devarg: an entry of the table. */
struct ipoib_devarg {
	const char *key;
	/** Check a value (NULL when the key has none) and store it in a. */
	int (*parse)(const char *val, struct ipoib_args *a);
	const char *syntax;    /**< the values accepted */
	const char *meaning;   /**< what it sets, one line */
};

/** X of IPOIB_DEVARGS for the table: one entry. */
#define IPOIB_DEVARG_ENTRY(key, parser, syntax, meaning) \
	{ #key, parser, syntax, meaning },

/** The devargs, from IPOIB_DEVARGS. */
static const struct ipoib_devarg ipoib_devargs[] = {
	IPOIB_DEVARGS(IPOIB_DEVARG_ENTRY, )
};

/** X of IPOIB_DEVARGS for the list of keys: "key". */
#define IPOIB_DEVARG_KEY(key, parser, syntax, meaning) #key

/** The keys, for the message about an unknown one: "ibdev, port, ...". */
#define IPOIB_DEVARGS_KEYS IPOIB_DEVARGS(IPOIB_DEVARG_KEY, ", ")

/** The entry of a key, or NULL when there is none. */
static const struct ipoib_devarg *
ipoib_devarg_find(const char *key)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(ipoib_devargs); i++)
		if (strcmp(ipoib_devargs[i].key, key) == 0)
			return &ipoib_devargs[i];
	return NULL;
}

/** The defaults of the devargs that are not given. */
static void
ipoib_devargs_default(struct ipoib_args *a)
{
	memset(a, 0, sizeof(*a));
	a->port = 1;
	a->pkey = 0xffff;
	a->mode = IPOIB_MODE_ETH;
	a->peers = IPOIB_PEER_MAX;
	a->grh_auto = false;
	a->sa = HCA_SA_TRANSPORT_UMAD;
}

/** Parse the devargs of a vdev (see ipoib_devargs.h). */
int
ipoib_devargs_parse(const char *name, const char *params, struct ipoib_args *a)
{
	const struct ipoib_devarg *d;
	struct rte_kvargs *kv;
	unsigned int i;
	int ret = 0;

	ipoib_devargs_default(a);
	if (params == NULL || *params == '\0')
		return 0;
	kv = rte_kvargs_parse(params, NULL);
	if (kv == NULL) {
		IPOIB_LOG(ERR, "%s: cannot parse devargs \"%s\" (expected "
			  "key=value,... of: " IPOIB_DEVARGS_PARAM_STRING ")",
			  name, params);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *k = kv->pairs[i].key, *v = kv->pairs[i].value;

		d = ipoib_devarg_find(k);
		if (d == NULL) {
			IPOIB_LOG(ERR, "%s: unknown devarg \"%s\" (accepted: "
				  IPOIB_DEVARGS_KEYS ")", name, k);
			ret = -EINVAL;
			break;
		}
		if (d->parse(v, a) < 0) {
			IPOIB_LOG(ERR, "%s: bad value \"%s\" for devarg "
				  "\"%s\": expected %s=%s, %s", name,
				  v ? v : "", k, d->key, d->syntax, d->meaning);
			ret = -EINVAL;
			break;
		}
	}
	rte_kvargs_free(kv);
	if (ret == 0 && a->pci && !a->sa_given)
		a->sa = HCA_SA_TRANSPORT_INBAND; /* no umad for a VFIO function */
	if (ret == 0 && a->pci && a->sa == HCA_SA_TRANSPORT_UMAD) {
		IPOIB_LOG(ERR, "%s: sa=umad with pci=: a function bound to "
			  "vfio-pci has no umad device; its SA is reached in "
			  "band (sa=inband, the default with pci=)", name);
		ret = -EINVAL;
	}
	return ret;
}
