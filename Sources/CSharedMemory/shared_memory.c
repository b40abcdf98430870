// The shared region: one header, the process slots, the room table, the connection rows, each
// section 64-byte aligned so that no two processes' hot words share a cache line by accident.
//
// Every field another process may touch concurrently is accessed with __atomic builtins (the C11
// memory model's atomics on plain objects), so there is no data race in the C11 sense even for
// "plain" fields such as a row's fd. Plain objects rather than _Atomic ones because the status CLI
// maps the region read-only and only ever loads.
#include "shared_memory.h"

#include <string.h>

#define LINE 64u
#define WRITER_MASTER 0xFFFFu       /* seqlock writer id of the master while it reclaims rows */
#define READ_SPIN_LIMIT (1u << 16)  /* about a few ms of pauses before a reader gives up on a row */

#define LOAD(p, mo) __atomic_load_n((p), (mo))
#define STORE(p, v, mo) __atomic_store_n((p), (v), (mo))
#define ADD(p, v, mo) __atomic_fetch_add((p), (v), (mo))
#define SUB(p, v, mo) __atomic_fetch_sub((p), (v), (mo))
#define RLX __ATOMIC_RELAXED
#define ACQ __ATOMIC_ACQUIRE
#define REL __ATOMIC_RELEASE
#define ACQREL __ATOMIC_ACQ_REL

/* The seqlock word carries who is writing: a reclaiming master can tell a row abandoned mid-write
 * by the dead worker (odd, writer = that worker) from one a live worker is updating right now. */
#define LOCK_BUSY 1ull
#define LOCK_WRITER_SHIFT 1
#define LOCK_VERSION_SHIFT 17

typedef struct {
    uint64_t lock;          /* bit 0: write in progress; bits 1-16: writer; bits 17-63: version */
    uint64_t conn_id;       /* 0 = free */
    uint64_t user_id;
    uint64_t opened_at_ms;
    uint32_t room_id;
    uint32_t flags;
    int32_t fd;
    uint16_t worker;        /* kept when freed; reclaim trusts a busy row's writer id, not this */
    uint16_t state;
    uint32_t next_free;     /* free-list link: index + 1 of the next free row, 0 = end */
    uint32_t ip_entry;      /* index + 1 of the client-address entry this row holds a count on, 0 = none */
    uint32_t reserved[2];
} cr_row;
_Static_assert(sizeof(cr_row) == 64, "a connection row is one cache line");

typedef struct {
    int32_t pid;
    uint32_t generation;
    uint64_t started_at_ms;
    uint32_t state;
    uint32_t reserved;
    /* Counters on their own lines: the slot's identity is written by the master, the counters by
     * the slot's process. */
    _Alignas(64) uint64_t counters[CR_MAX_COUNTERS];
} cr_slot;
_Static_assert(sizeof(cr_slot) % LINE == 0, "slots are whole cache lines");

typedef struct {
    uint64_t magic;         /* stored last, with release: a half-built header never validates */
    uint32_t version;
    uint32_t header_size;
    uint64_t total_size;
    cr_layout layout;
    uint64_t slots_offset;
    uint64_t rooms_offset;
    uint64_t conns_offset;
    uint64_t ips_offset;
    uint32_t ip_capacity;   /* entries in the client-address table, a power of two */
    uint32_t reserved1;
    uint32_t slot_stride;
    uint32_t room_stride;
    int32_t master_pid;
    uint16_t port;
    uint16_t reserved0;
    uint64_t started_at_ms;
    char host[CR_HOST_CAPACITY];
    /* Every insert and remove touches these four together, so one shared line is cheapest. */
    _Alignas(64) uint64_t free_head;    /* (ABA tag << 32) | (top index + 1); 0 in the low half = empty */
    uint64_t next_conn_id;
    uint32_t high_water;
    uint32_t used;
    _Alignas(64) uint64_t globals[CR_MAX_COUNTERS];
    /* Client-address table lock: 0 = free, else the holder's worker id + 1 (see cr_ip_acquire). */
    _Alignas(64) uint32_t ip_lock;
} cr_header;
_Static_assert(sizeof(cr_header) % LINE == 0, "the header is whole cache lines");

/* Room entry, room_stride bytes: last_seq (u64) at 0, then one u32 member count per reactor worker
 * from 8. There is deliberately no stored total: a worker killed between updating its own count and
 * a total would leave the total wrong for good, since nothing could later tell the two apart without
 * racing the live workers. The total is the sum of the per-worker counts instead. */
#define ROOM_MEMBERS_OFFSET 8u

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

static inline uint64_t round_up(uint64_t value, uint64_t unit) { return (value + unit - 1) / unit * unit; }

static int layout_ok(const cr_layout *l) {
    return l->connection_capacity >= 1 && l->connection_capacity <= CR_MAX_CONNECTIONS
        && l->worker_slots >= 1 && l->worker_slots <= CR_MAX_WORKER_SLOTS
        && l->task_worker_slots <= CR_MAX_WORKER_SLOTS
        && l->room_capacity >= 1 && l->room_capacity <= CR_MAX_ROOMS;
}

typedef struct {
    uint64_t slots_offset, rooms_offset, conns_offset, ips_offset, total;
    uint32_t slot_stride, room_stride, ip_capacity;
} cr_offsets;

/* One entry of the client-address table: a 16-byte address (IPv4 as ::ffff:a.b.c.d) and how many
 * connection rows (client sockets) from it are open. An entry whose count fell to 0 keeps its key
 * until the lock holder reuses it, so that lookups need not stop early at a hole. */
typedef struct {
    uint64_t key[2];
    uint32_t count;
    uint32_t used;          /* 1 once the entry ever held a key: probing stops at a never-used entry */
    uint64_t reserved;
} cr_ip_entry;
_Static_assert(sizeof(cr_ip_entry) == 32, "two client-address entries per cache line");

/* At most twice as many addresses as connection rows (a load factor of at most 1/2), a power of two
 * so that probing wraps with a mask. */
static uint32_t ip_capacity_for(uint32_t connections) {
    uint32_t capacity = 16;
    while (capacity < 2ull * connections) capacity <<= 1;
    return capacity;
}

static cr_offsets compute_offsets(const cr_layout *l) {
    cr_offsets o;
    o.slot_stride = (uint32_t)sizeof(cr_slot);
    o.room_stride = (uint32_t)round_up(ROOM_MEMBERS_OFFSET + 4ull * l->worker_slots, LINE);
    o.slots_offset = round_up(sizeof(cr_header), LINE);
    o.rooms_offset = round_up(o.slots_offset + (uint64_t)o.slot_stride * (l->worker_slots + l->task_worker_slots), LINE);
    o.conns_offset = round_up(o.rooms_offset + (uint64_t)o.room_stride * l->room_capacity, LINE);
    o.ip_capacity = ip_capacity_for(l->connection_capacity);
    o.ips_offset = round_up(o.conns_offset + (uint64_t)sizeof(cr_row) * l->connection_capacity, LINE);
    o.total = round_up(o.ips_offset + (uint64_t)sizeof(cr_ip_entry) * o.ip_capacity, CR_PAGE_SIZE);
    return o;
}

/* ---- accessors; the layout in the header was validated (or written) by us ---- */

static inline cr_header *header(void *base) { return (cr_header *)base; }
static inline const cr_header *cheader(const void *base) { return (const cr_header *)base; }

static inline cr_row *rows(void *base) { return (cr_row *)((char *)base + header(base)->conns_offset); }
static inline const cr_row *crows(const void *base) {
    return (const cr_row *)((const char *)base + cheader(base)->conns_offset);
}

static inline char *room_entry(void *base, uint32_t room) {
    const cr_header *h = header(base);
    return (char *)base + h->rooms_offset + (uint64_t)h->room_stride * room;
}
static inline const char *croom_entry(const void *base, uint32_t room) {
    const cr_header *h = cheader(base);
    return (const char *)base + h->rooms_offset + (uint64_t)h->room_stride * room;
}
static inline uint64_t *room_seq(char *entry) { return (uint64_t *)entry; }
static inline uint32_t *room_members(char *entry, uint32_t worker) {
    return (uint32_t *)(entry + ROOM_MEMBERS_OFFSET) + worker;
}

static inline int room_valid(const void *base, uint32_t room) {
    return room != 0 && room < cheader(base)->layout.room_capacity;
}

static cr_slot *slot_at(void *base, int kind, uint32_t slot) {
    const cr_header *h = header(base);
    uint32_t first = 0, count = 0;
    if (kind == 0) { first = 0; count = h->layout.worker_slots; }
    else if (kind == 1) { first = h->layout.worker_slots; count = h->layout.task_worker_slots; }
    if (slot >= count) return NULL;
    return (cr_slot *)((char *)base + h->slots_offset + (uint64_t)h->slot_stride * (first + slot));
}
static const cr_slot *cslot_at(const void *base, int kind, uint32_t slot) {
    return slot_at((void *)base, kind, slot);   /* address arithmetic only; nothing is written */
}

/* ---- region ---- */

size_t cr_region_size(const cr_layout *layout) {
    if (layout == NULL || !layout_ok(layout)) return 0;
    return (size_t)compute_offsets(layout).total;
}

void cr_region_init(void *base, const cr_layout *layout, int32_t master_pid, uint64_t started_at_ms,
                    const char *host, uint16_t port) {
    if (base == NULL || layout == NULL || !layout_ok(layout)) return;
    cr_offsets o = compute_offsets(layout);
    cr_header *h = header(base);
    memset(h, 0, sizeof *h);   /* the rest of the region is trusted to be zero (fresh ftruncate) */
    h->version = CR_SHM_VERSION;
    h->header_size = (uint32_t)sizeof(cr_header);
    h->total_size = o.total;
    h->layout = *layout;
    h->slots_offset = o.slots_offset;
    h->rooms_offset = o.rooms_offset;
    h->conns_offset = o.conns_offset;
    h->ips_offset = o.ips_offset;
    h->ip_capacity = o.ip_capacity;
    h->slot_stride = o.slot_stride;
    h->room_stride = o.room_stride;
    h->master_pid = master_pid;
    h->port = port;
    h->started_at_ms = started_at_ms;
    if (host != NULL) {
        size_t n = 0;
        while (n + 1 < CR_HOST_CAPACITY && host[n] != '\0') n++;
        memcpy(h->host, host, n);
    }

    /* Row 0 on top, then 1, 2, ...: a lightly used table stays compact and scans stop early. */
    cr_row *r = rows(base);
    uint32_t capacity = layout->connection_capacity;
    for (uint32_t i = 0; i < capacity; i++) r[i].next_free = (i + 1 < capacity) ? i + 2 : 0;
    STORE(&h->free_head, 1ull, RLX);
    STORE(&h->next_conn_id, 1ull, RLX);
    STORE(&h->high_water, 0u, RLX);
    STORE(&h->used, 0u, RLX);
    STORE(&h->magic, CR_SHM_MAGIC, REL);
}

int cr_region_validate(const void *base, size_t mapped_size) {
    if (base == NULL || mapped_size < sizeof(cr_header)) return -1;
    const cr_header *h = cheader(base);
    if (LOAD(&h->magic, ACQ) != CR_SHM_MAGIC) return -1;
    if (h->version != CR_SHM_VERSION || h->header_size != sizeof(cr_header)) return -1;
    cr_layout l = h->layout;
    if (!layout_ok(&l)) return -1;
    cr_offsets o = compute_offsets(&l);
    if (h->total_size != o.total || o.total > mapped_size) return -1;
    if (h->slots_offset != o.slots_offset || h->rooms_offset != o.rooms_offset
        || h->conns_offset != o.conns_offset || h->ips_offset != o.ips_offset
        || h->ip_capacity != o.ip_capacity || h->slot_stride != o.slot_stride
        || h->room_stride != o.room_stride) return -1;
    if (h->host[CR_HOST_CAPACITY - 1] != '\0') return -1;
    if (LOAD(&h->high_water, RLX) > l.connection_capacity) return -1;
    return 0;
}

void cr_region_layout(const void *base, cr_layout *out) { *out = cheader(base)->layout; }
int32_t cr_region_master_pid(const void *base) { return cheader(base)->master_pid; }
uint64_t cr_region_started_at_ms(const void *base) { return cheader(base)->started_at_ms; }
uint16_t cr_region_port(const void *base) { return cheader(base)->port; }

void cr_region_host(const void *base, char *out, size_t capacity) {
    if (out == NULL || capacity == 0) return;
    const char *host = cheader(base)->host;
    size_t n = 0;
    while (n + 1 < capacity && n < CR_HOST_CAPACITY - 1 && host[n] != '\0') {
        out[n] = host[n];
        n++;
    }
    out[n] = '\0';
}

/* ---- seqlock (one writer at a time per row: its owner, or the master after the owner died) ---- */

static inline uint64_t write_begin(cr_row *r, uint16_t writer) {
    uint64_t version = LOAD(&r->lock, RLX) >> LOCK_VERSION_SHIFT;
    uint64_t busy = ((version + 1) << LOCK_VERSION_SHIFT) | ((uint64_t)writer << LOCK_WRITER_SHIFT) | LOCK_BUSY;
    STORE(&r->lock, busy, RLX);
    /* Orders the busy mark before the field stores below (pairs with the reader's acquire fence). */
    __atomic_thread_fence(REL);
    return busy;
}

static inline void write_end(cr_row *r, uint64_t busy) {
    STORE(&r->lock, ((busy >> LOCK_VERSION_SHIFT) + 1) << LOCK_VERSION_SHIFT, REL);
}

static inline uint16_t lock_writer(uint64_t lock) { return (uint16_t)(lock >> LOCK_WRITER_SHIFT); }

/* Returns 1 in use, 0 free, -1 when the row stayed busy or kept changing for READ_SPIN_LIMIT tries. */
static int row_read(const cr_row *r, uint32_t index, cr_conn_snapshot *out) {
    for (uint32_t tries = 0; tries < READ_SPIN_LIMIT; tries++) {
        uint64_t before = LOAD(&r->lock, ACQ);
        if (before & LOCK_BUSY) {
            cpu_relax();
            continue;
        }
        cr_conn_snapshot s;
        s.conn_id = LOAD(&r->conn_id, RLX);
        s.user_id = LOAD(&r->user_id, RLX);
        s.opened_at_ms = LOAD(&r->opened_at_ms, RLX);
        s.room_id = LOAD(&r->room_id, RLX);
        s.flags = LOAD(&r->flags, RLX);
        s.fd = LOAD(&r->fd, RLX);
        s.worker = LOAD(&r->worker, RLX);
        s.state = LOAD(&r->state, RLX);
        s.index = index;
        __atomic_thread_fence(ACQ);
        if (LOAD(&r->lock, RLX) == before) {
            *out = s;
            return s.conn_id != 0;
        }
    }
    return -1;
}

/* ---- free list: Treiber stack of row indices; the tag defeats ABA between load and CAS ---- */

static int64_t free_pop(cr_header *h, cr_row *r, uint32_t capacity) {
    uint64_t head = LOAD(&h->free_head, ACQ);
    for (;;) {
        uint32_t top = (uint32_t)head;
        if (top == 0 || top > capacity) return -1;
        uint32_t next = LOAD(&r[top - 1].next_free, RLX);
        uint64_t desired = (((head >> 32) + 1) << 32) | next;
        if (__atomic_compare_exchange_n(&h->free_head, &head, desired, 1, ACQREL, ACQ)) return top - 1;
    }
}

static void free_push(cr_header *h, cr_row *r, uint32_t index) {
    uint64_t head = LOAD(&h->free_head, RLX);
    for (;;) {
        STORE(&r[index].next_free, (uint32_t)head, RLX);
        uint64_t desired = (((head >> 32) + 1) << 32) | (uint64_t)(index + 1);
        if (__atomic_compare_exchange_n(&h->free_head, &head, desired, 1, REL, RLX)) return;
    }
}

/* ---- connection table ---- */

static inline int index_ok(const void *base, uint32_t index) {
    return index < cheader(base)->layout.connection_capacity;
}

static void room_count(void *base, uint32_t room, uint16_t worker, int delta) {
    if (!room_valid(base, room) || worker >= header(base)->layout.worker_slots) return;
    uint32_t *count = room_members(room_entry(base, room), worker);
    if (delta > 0) ADD(count, 1u, ACQREL);
    else SUB(count, 1u, ACQREL);
}

int64_t cr_conn_insert(void *base, uint16_t worker, int32_t fd, uint16_t state, uint64_t now_ms,
                       uint64_t *conn_id) {
    cr_header *h = header(base);
    if (worker >= h->layout.worker_slots) return -1;
    cr_row *r = rows(base);
    int64_t popped = free_pop(h, r, h->layout.connection_capacity);
    if (popped < 0) return -1;
    uint32_t index = (uint32_t)popped;
    ADD(&h->used, 1u, RLX);

    /* Raised before the row is stamped, so a scan bounded by high water cannot miss it. */
    uint32_t seen = LOAD(&h->high_water, RLX);
    while (seen < index + 1
           && !__atomic_compare_exchange_n(&h->high_water, &seen, index + 1, 1, REL, RLX)) {
    }

    uint64_t id = ADD(&h->next_conn_id, 1ull, RLX);
    cr_row *row = &r[index];
    uint64_t busy = write_begin(row, worker);
    STORE(&row->worker, worker, RLX);
    STORE(&row->fd, fd, RLX);
    STORE(&row->state, state, RLX);
    STORE(&row->opened_at_ms, now_ms, RLX);
    STORE(&row->user_id, 0ull, RLX);
    STORE(&row->room_id, 0u, RLX);
    STORE(&row->flags, 0u, RLX);
    STORE(&row->ip_entry, 0u, RLX);
    STORE(&row->conn_id, id, RLX);
    write_end(row, busy);
    if (conn_id != NULL) *conn_id = id;
    return (int64_t)index;
}

/* Owner updates: one field each, under the row's seqlock. A free row is left alone so that a late
 * update from a confused owner cannot dirty a row another worker may be stamping. */
#define OWNER_SET(field, value)                                      \
    do {                                                             \
        if (!index_ok(base, index)) return;                          \
        cr_row *row = &rows(base)[index];                            \
        if (LOAD(&row->conn_id, RLX) == 0) return;                   \
        uint64_t busy = write_begin(row, LOAD(&row->worker, RLX));   \
        STORE(&row->field, value, RLX);                              \
        write_end(row, busy);                                        \
    } while (0)

void cr_conn_set_user(void *base, uint32_t index, uint64_t user_id) { OWNER_SET(user_id, user_id); }
void cr_conn_set_state(void *base, uint32_t index, uint16_t state) { OWNER_SET(state, state); }
void cr_conn_set_flags(void *base, uint32_t index, uint32_t flags) { OWNER_SET(flags, flags); }

int cr_conn_set_room(void *base, uint32_t index, uint32_t room_id) {
    if (!index_ok(base, index)) return -1;
    if (room_id != 0 && !room_valid(base, room_id)) return -1;
    cr_row *row = &rows(base)[index];
    if (LOAD(&row->conn_id, RLX) == 0) return -1;
    uint32_t old = LOAD(&row->room_id, RLX);
    if (old == room_id) return 0;
    uint16_t worker = LOAD(&row->worker, RLX);
    /* Count the new room before the row says so and the old one after: a reader may briefly see a
     * member counted twice, never a member in no room's count (a broadcast would skip the worker). */
    room_count(base, room_id, worker, +1);
    uint64_t busy = write_begin(row, worker);
    STORE(&row->room_id, room_id, RLX);
    write_end(row, busy);
    room_count(base, old, worker, -1);
    return 0;
}

int cr_conn_transfer(void *base, uint32_t index, uint16_t worker, int32_t fd) {
    if (!index_ok(base, index) || worker >= header(base)->layout.worker_slots) return -1;
    cr_row *row = &rows(base)[index];
    if (LOAD(&row->conn_id, RLX) == 0) return -1;
    uint16_t old = LOAD(&row->worker, RLX);
    uint32_t room = LOAD(&row->room_id, RLX);
    if (old != worker) room_count(base, room, worker, +1);
    uint64_t busy = write_begin(row, worker);
    STORE(&row->worker, worker, RLX);
    STORE(&row->fd, fd, RLX);
    write_end(row, busy);
    if (old != worker) room_count(base, room, old, -1);
    return 0;
}

static void ip_release_entry(void *base, uint32_t entry);

/* Clears a row and returns it to the free list, with the client-address count it held; room counts
 * are the caller's business. */
static void release_row(void *base, uint32_t index, uint16_t writer) {
    cr_header *h = header(base);
    cr_row *r = rows(base);
    cr_row *row = &r[index];
    uint32_t ip_entry = __atomic_exchange_n(&row->ip_entry, 0u, RLX);
    if (ip_entry != 0) ip_release_entry(base, ip_entry - 1);
    uint64_t busy = write_begin(row, writer);
    STORE(&row->conn_id, 0ull, RLX);
    STORE(&row->user_id, 0ull, RLX);
    STORE(&row->opened_at_ms, 0ull, RLX);
    STORE(&row->room_id, 0u, RLX);
    STORE(&row->flags, 0u, RLX);
    STORE(&row->fd, -1, RLX);
    STORE(&row->state, 0, RLX);
    write_end(row, busy);
    SUB(&h->used, 1u, RLX);
    free_push(h, r, index);
}

void cr_conn_remove(void *base, uint32_t index) {
    if (!index_ok(base, index)) return;
    cr_row *row = &rows(base)[index];
    if (LOAD(&row->conn_id, RLX) == 0) return;
    uint16_t worker = LOAD(&row->worker, RLX);
    uint32_t room = LOAD(&row->room_id, RLX);
    release_row(base, index, worker);
    room_count(base, room, worker, -1);
}

int cr_conn_read(const void *base, uint32_t index, cr_conn_snapshot *out) {
    if (!index_ok(base, index)) return 0;
    return row_read(&crows(base)[index], index, out);
}

uint64_t cr_conn_id(const void *base, uint32_t index) {
    if (!index_ok(base, index)) return 0;
    return LOAD(&crows(base)[index].conn_id, RLX);
}

uint32_t cr_conn_high_water(const void *base) { return LOAD(&cheader(base)->high_water, ACQ); }
uint32_t cr_conn_count(const void *base) { return LOAD(&cheader(base)->used, RLX); }

uint32_t cr_conn_reclaim_worker(void *base, uint16_t worker) {
    cr_header *h = header(base);
    if (worker >= h->layout.worker_slots) return 0;
    cr_row *r = rows(base);
    uint32_t end = LOAD(&h->high_water, ACQ);
    uint32_t freed = 0;
    for (uint32_t i = 0; i < end; i++) {
        uint64_t lock = LOAD(&r[i].lock, ACQ);
        /* Busy with this worker as writer: it died mid-update (insert, set or remove) and the row
         * is not on the free list, whatever its fields say. */
        int abandoned = (lock & LOCK_BUSY) && lock_writer(lock) == worker;
        if (!abandoned) {
            cr_conn_snapshot s;
            int state = row_read(&r[i], i, &s);
            if (state == -1) {
                lock = LOAD(&r[i].lock, ACQ);
                abandoned = (lock & LOCK_BUSY) && lock_writer(lock) == worker;
                if (!abandoned) continue;   /* a live writer stalled: never take its row */
            } else if (state == 0 || s.worker != worker) {
                continue;
            }
        }
        release_row(base, i, WRITER_MASTER);
        freed++;
    }
    /* It may have died holding the client-address lock (a few instructions long, but SIGKILL can land
     * anywhere); the entry it was changing is consistent either way except for that one count. */
    uint32_t holder = (uint32_t)worker + 1;
    __atomic_compare_exchange_n(&h->ip_lock, &holder, 0u, 0, REL, RLX);
    /* The worker owns no rows now, so its true count in every room is 0. Zeroing (rather than
     * subtracting per row) also repairs counts it left half-updated when it died. */
    for (uint32_t room = 1; room < h->layout.room_capacity; room++) {
        STORE(room_members(room_entry(base, room), worker), 0u, REL);
    }
    return freed;
}

/* ---- room table ---- */

uint64_t cr_room_next_seq(void *base, uint32_t room_id) {
    if (!room_valid(base, room_id)) return 0;
    return ADD(room_seq(room_entry(base, room_id)), 1ull, ACQREL) + 1;
}

uint64_t cr_room_last_seq(const void *base, uint32_t room_id) {
    if (!room_valid(base, room_id)) return 0;
    return LOAD((const uint64_t *)croom_entry(base, room_id), ACQ);
}

void cr_room_seed_seq(void *base, uint32_t room_id, uint64_t seq) {
    if (!room_valid(base, room_id)) return;
    uint64_t *p = room_seq(room_entry(base, room_id));
    uint64_t seen = LOAD(p, RLX);
    while (seen < seq && !__atomic_compare_exchange_n(p, &seen, seq, 1, ACQREL, RLX)) {
    }
}

uint32_t cr_room_members_on_worker(const void *base, uint32_t room_id, uint16_t worker) {
    if (!room_valid(base, room_id) || worker >= cheader(base)->layout.worker_slots) return 0;
    return LOAD(room_members((char *)croom_entry(base, room_id), worker), ACQ);
}

uint32_t cr_room_members(const void *base, uint32_t room_id) {
    if (!room_valid(base, room_id)) return 0;
    char *entry = (char *)croom_entry(base, room_id);
    uint32_t workers = cheader(base)->layout.worker_slots, total = 0;
    for (uint32_t w = 0; w < workers; w++) total += LOAD(room_members(entry, w), ACQ);
    return total;
}

uint32_t cr_room_worker_mask(const void *base, uint32_t room_id, uint64_t *mask, uint32_t words) {
    if (mask == NULL) return 0;
    for (uint32_t i = 0; i < words; i++) mask[i] = 0;
    if (!room_valid(base, room_id)) return 0;
    char *entry = (char *)croom_entry(base, room_id);
    uint32_t workers = cheader(base)->layout.worker_slots, found = 0;
    for (uint32_t w = 0; w < workers && w / 64 < words; w++) {
        if (LOAD(room_members(entry, w), ACQ) != 0) {
            mask[w / 64] |= 1ull << (w % 64);
            found++;
        }
    }
    return found;
}

/* ---- process slots and counters ---- */

void cr_process_started(void *base, int kind, uint32_t slot, int32_t pid, uint64_t now_ms) {
    cr_slot *s = slot_at(base, kind, slot);
    if (s == NULL) return;
    ADD(&s->generation, 1u, RLX);
    STORE(&s->started_at_ms, now_ms, RLX);
    STORE(&s->state, 0u, RLX);
    STORE(&s->pid, pid, REL);
}

void cr_process_set_state(void *base, int kind, uint32_t slot, uint32_t state) {
    cr_slot *s = slot_at(base, kind, slot);
    if (s != NULL) STORE(&s->state, state, REL);
}

void cr_process_exited(void *base, int kind, uint32_t slot) {
    cr_slot *s = slot_at(base, kind, slot);
    if (s == NULL) return;
    STORE(&s->state, 0u, RLX);
    STORE(&s->pid, 0, REL);
}

void cr_process_read(const void *base, int kind, uint32_t slot, cr_process_snapshot *out) {
    memset(out, 0, sizeof *out);
    const cr_slot *s = cslot_at(base, kind, slot);
    if (s == NULL) return;
    out->pid = LOAD(&s->pid, ACQ);
    out->generation = LOAD(&s->generation, RLX);
    out->started_at_ms = LOAD(&s->started_at_ms, RLX);
    out->state = LOAD(&s->state, ACQ);
}

void cr_counter_add(void *base, int kind, uint32_t slot, uint32_t counter, int64_t delta) {
    cr_slot *s = slot_at(base, kind, slot);
    if (s != NULL && counter < CR_MAX_COUNTERS) ADD(&s->counters[counter], (uint64_t)delta, RLX);
}

void cr_counter_set(void *base, int kind, uint32_t slot, uint32_t counter, uint64_t value) {
    cr_slot *s = slot_at(base, kind, slot);
    if (s != NULL && counter < CR_MAX_COUNTERS) STORE(&s->counters[counter], value, RLX);
}

uint64_t cr_counter_get(const void *base, int kind, uint32_t slot, uint32_t counter) {
    const cr_slot *s = cslot_at(base, kind, slot);
    if (s == NULL || counter >= CR_MAX_COUNTERS) return 0;
    return LOAD(&s->counters[counter], RLX);
}

void cr_global_add(void *base, uint32_t counter, int64_t delta) {
    if (counter < CR_MAX_COUNTERS) ADD(&header(base)->globals[counter], (uint64_t)delta, RLX);
}

void cr_global_set(void *base, uint32_t counter, uint64_t value) {
    if (counter < CR_MAX_COUNTERS) STORE(&header(base)->globals[counter], value, RLX);
}

uint64_t cr_global_get(const void *base, uint32_t counter) {
    if (counter >= CR_MAX_COUNTERS) return 0;
    return LOAD(&cheader(base)->globals[counter], RLX);
}

/* ---- client-address table: open connections per client IP address, across all workers ----
 *
 * Counts change on every accept and close, keys far more rarely. Keys are written only under one
 * table-wide spinlock (held for a short probe, no system call), so an address is never entered
 * twice; a count is released without the lock, by whoever holds it. The lock word names its holder
 * so that the master can free it after that worker died (cr_conn_reclaim_worker), and a worker that
 * cannot get it soon admits the connection uncounted rather than stall its event loop. */

#define IP_PROBE_LIMIT 64u
#define IP_LOCK_SPINS 4096u

static inline cr_ip_entry *ip_entries(void *base) {
    return (cr_ip_entry *)((char *)base + header(base)->ips_offset);
}

static inline uint64_t ip_hash(uint64_t k0, uint64_t k1) {
    uint64_t x = k0 * 0x9E3779B97F4A7C15ull ^ (k1 + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    return x;
}

static inline void ip_key(const uint8_t *address, uint64_t *k0, uint64_t *k1) {
    memcpy(k0, address, 8);
    memcpy(k1, address + 8, 8);
}

static void ip_release_entry(void *base, uint32_t entry) {
    if (entry >= header(base)->ip_capacity) return;
    uint32_t *count = &ip_entries(base)[entry].count;
    uint32_t seen = LOAD(count, RLX);
    while (seen != 0 && !__atomic_compare_exchange_n(count, &seen, seen - 1, 1, REL, RLX)) {
    }
}

/* Entry index holding a count for `address`; -1 over the limit, -2 when the table gave no answer. */
static int64_t ip_acquire(void *base, const uint8_t *address, uint32_t limit, uint16_t worker) {
    cr_header *h = header(base);
    uint32_t unlocked = 0, holder = (uint32_t)worker + 1;
    uint32_t spins = 0;
    while (!__atomic_compare_exchange_n(&h->ip_lock, &unlocked, holder, 1, ACQ, RLX)) {
        unlocked = 0;
        if (++spins >= IP_LOCK_SPINS) return -2;
        cpu_relax();
    }
    uint64_t k0, k1;
    ip_key(address, &k0, &k1);
    cr_ip_entry *e = ip_entries(base);
    uint32_t mask = h->ip_capacity - 1, start = (uint32_t)ip_hash(k0, k1) & mask;
    int64_t found = -1, reusable = -1;
    for (uint32_t i = 0; i < IP_PROBE_LIMIT && i <= mask; i++) {
        uint32_t at = (start + i) & mask;
        if (!LOAD(&e[at].used, RLX)) {
            if (reusable < 0) reusable = at;
            break;
        }
        if (LOAD(&e[at].key[0], RLX) == k0 && LOAD(&e[at].key[1], RLX) == k1) {
            found = at;
            break;
        }
        if (reusable < 0 && LOAD(&e[at].count, RLX) == 0) reusable = at;
    }
    int64_t result = -2;
    if (found >= 0) {
        /* Under the lock the count only falls (releases), so checking then adding cannot overshoot. */
        if (limit != 0 && LOAD(&e[found].count, RLX) >= limit) result = -1;
        else {
            ADD(&e[found].count, 1u, RLX);
            result = found;
        }
    } else if (reusable >= 0) {
        /* Its count is 0, so nobody holds it and nobody will release it while we rewrite the key. */
        STORE(&e[reusable].key[0], k0, RLX);
        STORE(&e[reusable].key[1], k1, RLX);
        STORE(&e[reusable].used, 1u, RLX);
        STORE(&e[reusable].count, 1u, RLX);
        result = reusable;
    }
    STORE(&h->ip_lock, 0u, REL);
    return result;
}

int64_t cr_conn_insert_client(void *base, uint16_t worker, int32_t fd, uint16_t state, uint64_t now_ms,
                              const uint8_t *address, uint32_t limit, uint64_t *conn_id) {
    if (worker >= header(base)->layout.worker_slots) return CR_CONN_FULL;
    int64_t entry = -2;
    if (address != NULL) {
        entry = ip_acquire(base, address, limit, worker);
        if (entry == -1) return CR_CONN_IP_LIMIT;
    }
    int64_t index = cr_conn_insert(base, worker, fd, state, now_ms, conn_id);
    if (index < 0) {
        if (entry >= 0) ip_release_entry(base, (uint32_t)entry);
        return CR_CONN_FULL;
    }
    if (entry >= 0) STORE(&rows(base)[index].ip_entry, (uint32_t)entry + 1, RLX);
    return index;
}

uint32_t cr_ip_connections(const void *base, const uint8_t *address) {
    const cr_header *h = cheader(base);
    uint64_t k0, k1;
    ip_key(address, &k0, &k1);
    const cr_ip_entry *e = (const cr_ip_entry *)((const char *)base + h->ips_offset);
    uint32_t mask = h->ip_capacity - 1, start = (uint32_t)ip_hash(k0, k1) & mask;
    for (uint32_t i = 0; i < IP_PROBE_LIMIT && i <= mask; i++) {
        uint32_t at = (start + i) & mask;
        if (!LOAD(&e[at].used, RLX)) return 0;
        if (LOAD(&e[at].key[0], RLX) == k0 && LOAD(&e[at].key[1], RLX) == k1) return LOAD(&e[at].count, RLX);
    }
    return 0;
}

uint32_t cr_ip_addresses(const void *base) {
    const cr_header *h = cheader(base);
    const cr_ip_entry *e = (const cr_ip_entry *)((const char *)base + h->ips_offset);
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->ip_capacity; i++) n += LOAD(&e[i].count, RLX) != 0;
    return n;
}

uint32_t cr_ip_capacity(const void *base) { return cheader(base)->ip_capacity; }
