// The floor peer for scripts/bench: the cheapest WebSocket broadcast server we could write, so that
// ChatRoom's server CPU per delivery can be read against what this kernel charges for one write()
// per delivery (loopback TCP send, plus the receiver's softirq that Linux bills to the sender).
// Each client message becomes ONE unmasked server frame (built in place, no copy), written to every
// open connection, the sender included; a per-connection output buffer (and EPOLLOUT) only for
// partial writes. No rooms, no JSON, no storage: whatever ChatRoom costs above this is its own.
//   cc -O2 -Wall -Wextra -o floor-broadcast floor-broadcast.c
//   ./floor-broadcast PORT [PROCESSES]   (listens on 127.0.0.1 only; SIGTERM ends all processes)
// With PROCESSES > 1 the parent forks that many children, each with its own SO_REUSEPORT listener
// and epoll loop, connected pairwise by SOCK_SEQPACKET socketpairs: a child writes a client message
// to its own clients and sends the frame once (one datagram) to each other child, which writes it
// to its clients. The parent only waits for SIGTERM (or a child's death) and ends the children.
// (An io_uring variant, one submission per broadcast, was measured against this one and lost; see
// BENCHMARKS.md. It lives in the git history, commit 587d99f.)
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PAYLOAD 65536
#define MAX_FRAME (MAX_PAYLOAD + 14)
#define MAX_REQUEST 8192
#define MAX_PROCS 64

// ---- SHA-1 (FIPS 180-1) and base64, for Sec-WebSocket-Accept only ----
static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static void sha1(const unsigned char *msg, size_t len, unsigned char out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t total = ((len + 8) / 64 + 1) * 64;
  unsigned char block[64];
  for (size_t off = 0; off < total; off += 64) {
    for (size_t i = 0; i < 64; i++) {
      size_t k = off + i;
      block[i] = k < len ? msg[k] : k == len ? 0x80 : 0;
      if (k >= total - 8) block[i] = (unsigned char)((uint64_t)len * 8 >> (8 * (total - 1 - k)));
    }
    uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)block[4 * i] << 24 | block[4 * i + 1] << 16 | block[4 * i + 2] << 8 | block[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  for (int i = 0; i < 20; i++) out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}
static void base64(const unsigned char *in, size_t len, char *out) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
    *out++ = digits[v >> 18 & 63], *out++ = digits[v >> 12 & 63];
    *out++ = i + 1 < len ? digits[v >> 6 & 63] : '=';
    *out++ = i + 2 < len ? digits[v & 63] : '=';
  }
  *out = 0;
}

// ---- connections ----
enum kind { LISTENER, PEER, HTTP, WS };
struct conn {
  enum kind kind;
  int fd, dead, slot;       // slot: index in clients[] (WS) until closed
  struct conn *next_dead;   // dropped connections, closed at the end of the event batch
  unsigned char *in;        // bytes of an incomplete request or frame, kept between reads
  size_t in_len;
  unsigned char *out;       // pending output: bytes (clients) or [u32 length][datagram] records (peers)
  size_t out_off, out_len, out_cap;
};
static int ep;
static struct conn **clients, *peers[MAX_PROCS], *dead;
static int nclients, cap_clients, npeers;
static unsigned char buf[2 * MAX_FRAME + MAX_REQUEST];  // leftover + one read; frames are parsed here

static void watch(struct conn *c, int op, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(ep, op, c->fd, &ev) < 0 && op != EPOLL_CTL_DEL) perror("epoll_ctl"), exit(1);
}
static struct conn *add(int fd, enum kind kind) {
  struct conn *c = calloc(1, sizeof *c);
  if (!c) perror("calloc"), exit(1);
  c->fd = fd, c->kind = kind, c->slot = -1;
  watch(c, EPOLL_CTL_ADD, EPOLLIN);
  return c;
}
// Closed at the end of the event batch: later events of the batch, and a broadcast loop, may name it.
static void drop(struct conn *c) {
  if (!c->dead) c->dead = 1, c->next_dead = dead, dead = c;
}
static void append(struct conn *c, const void *p, size_t n) {
  if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + n > c->out_cap) {
    c->out_cap = (c->out_len + n) * 2;
    if (!(c->out = realloc(c->out, c->out_cap))) perror("realloc"), exit(1);
  }
  memcpy(c->out + c->out_len, p, n);
  c->out_len += n;
}
// Writes what is pending; returns 1 when nothing is left. Peer records go one datagram at a time.
static int flush(struct conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n;
    if (c->kind == PEER) {
      uint32_t len;
      memcpy(&len, c->out + c->out_off, 4);
      n = send(c->fd, c->out + c->out_off + 4, len, MSG_DONTWAIT);
      if (n >= 0) n += 4;
    } else {
      n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return 0;
      if (c->kind == PEER) perror("peer send"), exit(1);
      drop(c);
      return 1;
    }
    c->out_off += (size_t)n;
  }
  return 1;
}
// One write() when nothing is pending; otherwise (or for the rest of a partial write) buffered.
static void deliver(struct conn *c, const unsigned char *p, size_t n) {
  if (c->dead) return;
  if (c->out_off == c->out_len) {
    ssize_t w = c->kind == PEER ? send(c->fd, p, n, MSG_DONTWAIT) : write(c->fd, p, n);
    if (w == (ssize_t)n) return;
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
      if (c->kind == PEER) perror("peer send"), exit(1);
      drop(c);
      return;
    }
    if (w > 0) p += w, n -= (size_t)w;  // a datagram is all or nothing, so only clients get here
  }
  int was_idle = c->out_off == c->out_len;
  if (c->kind == PEER) {
    uint32_t len = (uint32_t)n;
    append(c, &len, 4);
  }
  append(c, p, n);
  if (was_idle) watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
}
static void to_clients(const unsigned char *frame, size_t n) {
  for (int i = 0; i < nclients; i++) deliver(clients[i], frame, n);
}

// Answers the upgrade request once it is complete; returns the bytes it used (0: not yet).
static size_t upgrade(struct conn *c, unsigned char *p, size_t n) {
  unsigned char *end = memmem(p, n, "\r\n\r\n", 4);
  if (!end) {
    if (n >= MAX_REQUEST) drop(c);
    return 0;
  }
  *end = 0;
  char *key = NULL;
  for (char *line = strstr((char *)p, "\r\n"); line; line = strstr(line + 2, "\r\n"))
    if (!strncasecmp(line + 2, "Sec-WebSocket-Key:", 18)) key = line + 20;
  char joined[128], accept[32], response[160];
  unsigned char digest[20];
  size_t klen = key ? strcspn(key, "\r") : 0;
  while (klen && key[klen - 1] == ' ') klen--;
  while (klen && *key == ' ') key++, klen--;
  if (!key || !klen || klen > 64) {
    drop(c);
    return 0;
  }
  snprintf(joined, sizeof joined, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)klen, key);
  sha1((unsigned char *)joined, strlen(joined), digest);
  base64(digest, 20, accept);
  int len = snprintf(response, sizeof response, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  deliver(c, (unsigned char *)response, (size_t)len);
  if (c->dead) return 0;
  c->kind = WS;
  if (nclients == cap_clients) {
    cap_clients = cap_clients ? cap_clients * 2 : 1024;
    if (!(clients = realloc(clients, sizeof *clients * (size_t)cap_clients))) perror("realloc"), exit(1);
  }
  c->slot = nclients, clients[nclients++] = c;
  return (size_t)(end + 4 - p);
}

// Handles one complete client frame at p; returns its size, 0 if incomplete (or the connection dropped).
static size_t frame(struct conn *c, unsigned char *p, size_t n) {
  if (n < 2) return 0;
  int op = p[0] & 15;
  size_t hdr = 2, len = p[1] & 127;
  if ((p[0] & 0xF0) != 0x80 || !(p[1] & 0x80) || (op != 1 && op != 2 && op != 8 && op != 9 && op != 10) ||
      (op >= 8 && len > 125)) {  // fragments, RSV bits, unmasked or unknown frames: close
    drop(c);
    return 0;
  }
  if (len == 126) {
    if (n < 4) return 0;
    len = (size_t)p[2] << 8 | p[3], hdr = 4;
  } else if (len == 127) {
    if (n < 10) return 0;
    len = 0, hdr = 10;
    for (int i = 2; i < 10; i++) len = len << 8 | p[i];
    if (len > MAX_PAYLOAD) {
      drop(c);
      return 0;
    }
  }
  if (n < hdr + 4 + len) return 0;
  unsigned char *mask = p + hdr, *data = p + hdr + 4;
  for (size_t i = 0; i < len; i++) data[i] ^= mask[i & 3];
  // The server header (2, 4 or 10 bytes, no mask) fits in place just before the payload.
  unsigned char *out = data - hdr;
  out[0] = (unsigned char)(0x80 | (op == 9 ? 10 : op));
  if (hdr == 2) out[1] = (unsigned char)len;
  else if (hdr == 4) out[1] = 126, out[2] = (unsigned char)(len >> 8), out[3] = (unsigned char)len;
  else {
    out[1] = 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (unsigned char)(len >> (56 - 8 * i));
  }
  if (op == 1 || op == 2) {
    to_clients(out, hdr + len);
    for (int i = 0; i < npeers; i++) deliver(peers[i], out, hdr + len);
  } else if (op == 9) {
    deliver(c, out, hdr + len);  // pong with the ping's payload
  } else if (op == 8) {
    out[1] = len >= 2 ? 2 : 0;  // close back with the client's status code
    deliver(c, out, 2 + out[1]);
    drop(c);
    return 0;
  }
  return hdr + 4 + len;
}

static void readable(struct conn *c) {
  if (c->kind == LISTENER) {
    for (int fd; (fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      add(fd, HTTP);
    }
    return;
  }
  if (c->kind == PEER) {  // a frame another process received: to our clients
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) to_clients(buf, (size_t)n);
    else if (n == 0 || (errno != EAGAIN && errno != EINTR)) exit(0);  // the other process ended
    return;
  }
  memcpy(buf, c->in, c->in_len);
  size_t room = (c->kind == HTTP ? MAX_REQUEST : MAX_FRAME) + MAX_FRAME - c->in_len;
  ssize_t got = read(c->fd, buf + c->in_len, room);
  if (got <= 0) {
    if (got == 0 || (errno != EAGAIN && errno != EINTR)) drop(c);
    return;
  }
  size_t n = c->in_len + (size_t)got, used = 0, step;
  if (c->kind == HTTP) used = upgrade(c, buf, n);
  while (!c->dead && c->kind == WS && (step = frame(c, buf + used, n - used)) > 0) used += step;
  if (c->dead) return;
  c->in_len = n - used;
  if (c->in_len > (c->kind == HTTP ? MAX_REQUEST : MAX_FRAME)) {
    drop(c);
    return;
  }
  free(c->in);
  c->in = c->in_len ? malloc(c->in_len) : NULL;
  if (c->in_len) memcpy(c->in, buf + used, c->in_len);
}

static void serve(int listener, int *peer_fds, int count) {
  if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) perror("epoll_create1"), exit(1);
  add(listener, LISTENER);
  for (int i = 0; i < count; i++) peers[npeers++] = add(peer_fds[i], PEER);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c->dead) continue;
      if (events[i].events & EPOLLOUT && flush(c) && !c->dead) watch(c, EPOLL_CTL_MOD, EPOLLIN);
      if (!c->dead && events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(c);
    }
    for (struct conn *c; (c = dead);) {
      dead = c->next_dead;
      if (c->slot >= 0) clients[c->slot] = clients[--nclients], clients[c->slot]->slot = c->slot;
      close(c->fd), free(c->in), free(c->out), free(c);
    }
  }
}

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4096) < 0) perror("listen"), exit(1);
  return fd;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 5300, procs = argc > 2 ? atoi(argv[2]) : 1;
  if (port <= 0 || procs < 1 || procs > MAX_PROCS) return fprintf(stderr, "usage: %s PORT [PROCESSES]\n", argv[0]), 2;
  signal(SIGPIPE, SIG_IGN);
  if (procs == 1) {
    int fd = listen_on(port);
    printf("floor broadcast on 127.0.0.1:%d\n", port);
    fflush(stdout);
    serve(fd, NULL, 0);
  }
  int listeners[MAX_PROCS], mesh[MAX_PROCS][MAX_PROCS];  // mesh[i][j]: process i's end towards j
  for (int i = 0; i < procs; i++) listeners[i] = listen_on(port);
  for (int i = 0; i < procs; i++)
    for (int j = i + 1; j < procs; j++) {
      int pair[2];
      if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) < 0) perror("socketpair"), exit(1);
      mesh[i][j] = pair[0], mesh[j][i] = pair[1];
    }
  sigset_t set;
  sigemptyset(&set), sigaddset(&set, SIGTERM), sigaddset(&set, SIGINT), sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  pid_t children[MAX_PROCS];
  for (int i = 0; i < procs; i++) {
    if ((children[i] = fork()) < 0) perror("fork"), exit(1);
    if (children[i] > 0) continue;
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) exit(0);
    int own[MAX_PROCS], count = 0;
    for (int j = 0; j < procs; j++) {
      if (j != i) close(listeners[j]);
      for (int k = 0; k < procs; k++)
        if (k != j) {
          if (j == i) own[count++] = mesh[j][k];
          else close(mesh[j][k]);
        }
    }
    serve(listeners[i], own, count);
  }
  for (int i = 0; i < procs; i++) {  // the parent keeps nothing open: every connection is a child's
    close(listeners[i]);
    for (int j = 0; j < procs; j++)
      if (j != i) close(mesh[i][j]);
  }
  printf("floor broadcast on 127.0.0.1:%d (%d processes)\n", port, procs);
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);  // SIGTERM or SIGINT, or a child ended: end them all
  for (int i = 0; i < procs; i++) kill(children[i], SIGTERM);
  while (wait(NULL) > 0) {}
  return 0;
}
