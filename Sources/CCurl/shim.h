// The system libcurl (Debian: libcurl4-openssl-dev) for the agent's HTTP client. curl_easy_setopt
// and curl_easy_getinfo are variadic, which Swift cannot call: these typed wrappers can.
#ifndef BAOGONG_CCURL_SHIM_H
#define BAOGONG_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*baogong_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode baogong_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode baogong_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode baogong_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode baogong_curl_set_large(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode baogong_curl_set_callback(CURL *handle, CURLoption option, baogong_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode baogong_curl_set_blob(CURL *handle, CURLoption option, void *data, size_t length) {
    struct curl_blob blob = { data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(handle, option, &blob);
}
static inline CURLcode baogong_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
