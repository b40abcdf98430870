// Layout of the shared-memory region (the Swoole\Table idea): created once by the master before
// it forks, mapped by every process, fixed capacity. All cross-process state goes through the
// C11 atomics in shared_memory.c; Swift only sees these functions and plain snapshot structs.
#ifndef CHATROOM_SHARED_MEMORY_H
#define CHATROOM_SHARED_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define CR_SHM_MAGIC 0x43485452524f4f4dULL   /* "CHTRROOM" */
#define CR_SHM_VERSION 2u
#define CR_MAX_COUNTERS 64          /* counters/gauges per process slot; Swift names them */
#define CR_HOST_CAPACITY 64
/* Limits cr_region_size accepts; worker ids must also fit the seqlock's writer field. */
#define CR_MAX_WORKER_SLOTS 256u
#define CR_MAX_CONNECTIONS 16777216u  /* 1 GiB of rows */
#define CR_MAX_ROOMS 1048576u
#define CR_PAGE_SIZE 4096u

/// Sizes chosen by the master from the configuration.
typedef struct {
    uint32_t connection_capacity;   /* rows in the connection table */
    uint32_t worker_slots;          /* reactor worker slots */
    uint32_t task_worker_slots;     /* task worker slots */
    uint32_t room_capacity;         /* room ids 0 ..< room_capacity */
} cr_layout;

/// A consistent copy of one connection row (read under its seqlock).
typedef struct {
    uint64_t conn_id;       /* 0 = free */
    uint64_t user_id;       /* 0 = anonymous */
    uint64_t opened_at_ms;
    uint32_t room_id;       /* 0 = none */
    uint32_t index;         /* row index, the handle */
    uint16_t worker;
    uint16_t state;         /* protocol/state code, defined by Swift */
    int32_t fd;
    uint32_t flags;
} cr_conn_snapshot;

/// Process slot (one per worker and task worker): identity plus counters.
typedef struct {
    int32_t pid;            /* 0 = not running */
    uint32_t generation;    /* how many processes have held this slot */
    uint64_t started_at_ms;
    uint32_t state;         /* defined by Swift (starting, running, stopping) */
} cr_process_snapshot;

/// Bytes needed for a region with this layout (a multiple of CR_PAGE_SIZE); 0 if the layout is out of
/// range (connection_capacity 1...CR_MAX_CONNECTIONS, worker_slots 1...CR_MAX_WORKER_SLOTS,
/// task_worker_slots 0...CR_MAX_WORKER_SLOTS, room_capacity 1...CR_MAX_ROOMS).
size_t cr_region_size(const cr_layout *layout);
/// Formats a fresh region in `base` (zeroed memory of cr_region_size bytes): header, free list, rows.
void cr_region_init(void *base, const cr_layout *layout, int32_t master_pid, uint64_t started_at_ms,
                    const char *host, uint16_t port);
/// Checks magic/version/size; returns 0 when the region is usable, -1 otherwise.
int cr_region_validate(const void *base, size_t mapped_size);
/// Reads back the layout and header fields.
void cr_region_layout(const void *base, cr_layout *out);
int32_t cr_region_master_pid(const void *base);
uint64_t cr_region_started_at_ms(const void *base);
uint16_t cr_region_port(const void *base);
void cr_region_host(const void *base, char *out, size_t capacity);

/* ---- connection table: lock-free free list; each row written only by its owner (seqlock) ---- */

/// Claims a free row for (worker, fd); returns its index, or -1 when the table is full (or worker is
/// not below worker_slots). Assigns a fresh, never-reused connection id (stored in the row, returned
/// through conn_id).
int64_t cr_conn_insert(void *base, uint16_t worker, int32_t fd, uint16_t state, uint64_t now_ms,
                       uint64_t *conn_id);
#define CR_CONN_FULL (-1)
#define CR_CONN_IP_LIMIT (-2)
/// cr_conn_insert that also counts the client's address (16 bytes: IPv6, or IPv4 as ::ffff:a.b.c.d;
/// NULL = not counted): returns CR_CONN_IP_LIMIT, claiming nothing, when `limit` (0 = none) rows
/// already hold that address, CR_CONN_FULL when the table is full. The row holds its address count
/// until it is freed (cr_conn_remove, cr_conn_reclaim_worker) and keeps it through cr_conn_transfer.
/// If the address table is busy or full the connection is admitted uncounted.
int64_t cr_conn_insert_client(void *base, uint16_t worker, int32_t fd, uint16_t state, uint64_t now_ms,
                              const uint8_t *address, uint32_t limit, uint64_t *conn_id);
/// Open rows holding a count for the address; addresses with a non-zero count; table entries.
uint32_t cr_ip_connections(const void *base, const uint8_t *address);
uint32_t cr_ip_addresses(const void *base);
uint32_t cr_ip_capacity(const void *base);
/// Owner updates. The room update also keeps the room table's per-worker member counts in step.
void cr_conn_set_user(void *base, uint32_t index, uint64_t user_id);
void cr_conn_set_state(void *base, uint32_t index, uint16_t state);
void cr_conn_set_flags(void *base, uint32_t index, uint32_t flags);
/// Room ids 1 ..< room_capacity join that room, 0 leaves it. Returns 0, or -1 (row unchanged, still in
/// its old room) when room_id >= room_capacity or the row is free.
int cr_conn_set_room(void *base, uint32_t index, uint32_t room_id);
/// Hands a row to another worker (and descriptor) after a live connection was passed over
/// SCM_RIGHTS; called by the receiving worker once the sender stopped touching the row. Moves the
/// room's per-worker count with it. Returns 0, or -1 if the row is free or worker is out of range.
int cr_conn_transfer(void *base, uint32_t index, uint16_t worker, int32_t fd);
/// Frees a row (leaving its room first). Safe to call once per successful insert; a free row is left
/// alone.
void cr_conn_remove(void *base, uint32_t index);
/// Reads row `index` consistently; returns 1 if in use, 0 if free, -1 if a writer kept it busy for too
/// long (a worker that died mid-update, until the master reclaims its rows).
int cr_conn_read(const void *base, uint32_t index, cr_conn_snapshot *out);
/// The row's connection id (0 = free), without the seqlock: lets an owner check its handle cheaply.
uint64_t cr_conn_id(const void *base, uint32_t index);
/// One past the highest row index ever claimed: scans can stop there.
uint32_t cr_conn_high_water(const void *base);
uint32_t cr_conn_count(const void *base);
/// Frees every row owned by `worker` (the master calls this after that worker died, before another
/// process takes the slot) and zeroes that worker's room counts. Returns how many rows it freed.
uint32_t cr_conn_reclaim_worker(void *base, uint16_t worker);

/* ---- room table ---- */

/// Valid room ids are 1 ..< room_capacity (0 means "no room"); other ids read as 0 and are ignored.
/// Next message sequence number in the room (1, 2, 3, ...). Returns 0 for an invalid room id.
uint64_t cr_room_next_seq(void *base, uint32_t room_id);
uint64_t cr_room_last_seq(const void *base, uint32_t room_id);
/// Raises the room's last seq to at least `seq` (seeding from the database at start).
void cr_room_seed_seq(void *base, uint32_t room_id, uint64_t seq);
/// Connections of `worker` currently in the room.
uint32_t cr_room_members_on_worker(const void *base, uint32_t room_id, uint16_t worker);
/// All connections in the room: the sum of the per-worker counts (there is no separate total to drift).
uint32_t cr_room_members(const void *base, uint32_t room_id);
/// Sets bit w of mask (words of 64 bits, cleared first) for every worker w with members in the room;
/// returns how many workers that is.
uint32_t cr_room_worker_mask(const void *base, uint32_t room_id, uint64_t *mask, uint32_t words);

/* ---- process slots and counters ---- */

/// kind 0 = reactor worker, 1 = task worker. Out-of-range kinds, slots and counters are ignored (read
/// as 0). started/exited leave the counters alone; exited sets pid and state to 0.
void cr_process_started(void *base, int kind, uint32_t slot, int32_t pid, uint64_t now_ms);
void cr_process_set_state(void *base, int kind, uint32_t slot, uint32_t state);
void cr_process_exited(void *base, int kind, uint32_t slot);
void cr_process_read(const void *base, int kind, uint32_t slot, cr_process_snapshot *out);
void cr_counter_add(void *base, int kind, uint32_t slot, uint32_t counter, int64_t delta);
void cr_counter_set(void *base, int kind, uint32_t slot, uint32_t counter, uint64_t value);
uint64_t cr_counter_get(const void *base, int kind, uint32_t slot, uint32_t counter);
/// Master-wide counters (worker restarts and the like).
void cr_global_add(void *base, uint32_t counter, int64_t delta);
void cr_global_set(void *base, uint32_t counter, uint64_t value);
uint64_t cr_global_get(const void *base, uint32_t counter);

#endif
