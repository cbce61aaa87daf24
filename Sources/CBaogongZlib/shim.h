// zlib, for gzip request and response bodies of the sync protocol.
#include <zlib.h>
