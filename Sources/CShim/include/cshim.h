// Glue for the few Linux APIs that Swift's Glibc module does not expose (it is built without
// _GNU_SOURCE and does not include these headers). Keep this header small: including
// <sys/socket.h> here re-homes its declarations into this module and hides them elsewhere.
#ifndef CHATROOM_CSHIM_H
#define CHATROOM_CSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>

struct sockaddr;
struct iovec;

int cshim_accept4(int fd, struct sockaddr *addr, unsigned int *len, int flags);
int cshim_pipe2(int fds[2], int flags);
int cshim_memfd_create(const char *name, unsigned int flags);
/// Makes the calling process receive `sig` when its parent dies.
int cshim_set_parent_death_signal(int sig);
/// Sets the process name shown by `ps -o comm` and `top`.
int cshim_set_process_name(const char *name);
char **cshim_environ(void);
long cshim_sendfile(int out_fd, int in_fd, int64_t *offset, size_t count);

int cshim_wifexited(int status);
int cshim_wexitstatus(int status);
int cshim_wifsignaled(int status);
int cshim_wtermsig(int status);

/// sendmsg with up to `nfds` file descriptors attached as SCM_RIGHTS. Returns bytes sent or -1.
long cshim_send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds, int flags);
/// sendmsg of several buffers, with optional SCM_RIGHTS descriptors. Returns bytes sent or -1.
long cshim_sendmsg_iov(int sock, const struct iovec *iov, int iovcnt, const int *fds, int nfds, int flags);

/// recvmsg that also collects SCM_RIGHTS descriptors (received with MSG_CMSG_CLOEXEC).
/// `*nfds` is the capacity of `fds` on entry and the number received on return.
/// Returns bytes read (0 at EOF) or -1; sets `*truncated` when MSG_TRUNC or MSG_CTRUNC was reported.
long cshim_recv_with_fds(int sock, void *buf, size_t len, int *fds, int *nfds, int flags, int *truncated);

/// The wall clock and the monotonic clock in the units the server uses everywhere.
int64_t cshim_monotonic_ns(void);
int64_t cshim_realtime_ms(void);

/// Resource usage of this process (self = 1) or of its reaped children (self = 0): user+system CPU in
/// microseconds and the peak RSS in KiB.
void cshim_rusage(int self, int64_t *cpu_us, int64_t *maxrss_kb);

#endif
