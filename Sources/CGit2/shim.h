#include <git2.h>

/* git_libgit2_opts is C-variadic and cannot be called from Swift: wrap each option Kiln sets. */
static inline int kiln_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}
static inline int kiln_git_set_search_path_empty(int level) {
    return git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, "");
}
static inline int kiln_git_enable_strict_object_creation(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}
static inline int kiln_git_set_cache_max_size(long long bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)bytes);
}
