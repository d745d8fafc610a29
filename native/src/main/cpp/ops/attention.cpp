// Paged KV writes and causal grouped-query attention over the paged cache.
//
// Work is split into tasks (sequence, chunk of kAttentionQueryChunk query tokens, query head)
// handed out dynamically. A task walks the sequence's block table in tiles of kTile keys; each
// tile is scored against every query of the chunk while it sits in L1, with an online
// (running max) softmax, so no score row of the whole context is ever stored. Where the variant has
// a chunk kernel and the step has enough work, a task covers the query heads that share one KV head
// (up to kChunkHeads): it gathers each tile's K and V rows once into f32 scratch and runs the kernel
// for every head over all the chunk's queries together (one query per vector lane).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "ember.h"
#include "ops/ops.h"
#include "ops/parallel.h"

namespace ember {

static constexpr int kTile = kAttentionTile;
// Query heads one chunk-kernel task covers at most (the state of each lives in scratch).
static constexpr int kChunkHeads = 8;
// Query heads one chunk-kernel call may cover (AttentionKernels::chunk_heads); a task pads its last
// call with copies of its last head, so scratch holds state for kChunkHeads + kMaxCallHeads - 1 heads.
static constexpr int kMaxCallHeads = 2;

// Floats of one head's chunk-kernel state: queries transposed qt[d][chunk], output ot[d][chunk],
// running max and sum per lane.
static int64_t chunk_state_floats(int32_t head_dim) {
  return 2 * (int64_t)kAttentionQueryChunk * head_dim + 2 * kAttentionQueryChunk;
}

int64_t attention_scratch_floats(int32_t head_dim) {
  // acc[chunk][d], running max and sum per query, one tile of scores (the per-query path); one tile's
  // K and V rows as f32 and kChunkHeads heads' chunk state (the chunk kernel); padded to 64 bytes.
  int64_t n = (int64_t)kAttentionQueryChunk * head_dim + 2 * kAttentionQueryChunk + kTile +
              2 * (int64_t)kTile * head_dim + (kChunkHeads + kMaxCallHeads - 1) * chunk_state_floats(head_dim);
  return (n + 15) / 16 * 16;
}

template <typename T>
static T* kv_row(void* base, const KvLayer& L, int64_t block, int64_t head, int64_t offset) {
  return (T*)base + ((block * L.kv_heads + head) * L.block_size + offset) * L.head_dim;
}

void kv_write(ThreadPool& pool, const AttentionKernels& kern, const KvLayer& L, const StepView& step,
              const float* k, const float* v, int64_t ld) {
  int64_t row = (int64_t)L.kv_heads * L.head_dim;
  parallel_for(pool, step.num_tokens, step.num_tokens * row >= 8192, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      int32_t slot = step.slot_mapping[t];
      if (slot < 0) continue;
      int64_t block = slot / L.block_size, off = slot % L.block_size;
      for (int32_t h = 0; h < L.kv_heads; h++) {
        const float* ks = k + t * ld + (int64_t)h * L.head_dim;
        const float* vs = v + t * ld + (int64_t)h * L.head_dim;
        if (L.dtype == EMBER_F16) {
          kern.to_f16(ks, kv_row<uint16_t>(L.k, L, block, h, off), L.head_dim);
          kern.to_f16(vs, kv_row<uint16_t>(L.v, L, block, h, off), L.head_dim);
        } else {
          std::memcpy(kv_row<float>(L.k, L, block, h, off), ks, sizeof(float) * L.head_dim);
          std::memcpy(kv_row<float>(L.v, L, block, h, off), vs, sizeof(float) * L.head_dim);
        }
      }
    }
  });
}

namespace {

// Consecutive cache slots of one block: K and V rows of n keys.
struct Segment {
  const void* k;
  const void* v;
  int32_t n;
};

// One task: queries [t0, t0 + nq) of sequence seq, query heads [h0, h0 + nh) (of one KV head).
struct AttentionTask {
  const AttentionKernels& kern;
  const KvLayer& L;
  const StepView& step;
  int32_t heads;
  const float* q;
  float* out;
  float* scratch;

  // The tile of keys [j0, min(j0 + kTile, end)) as runs of consecutive slots of one block each, into
  // seg (a tile spans blocks when blocks are smaller than a tile, so the online-softmax bookkeeping
  // per query and tile is spread over as many keys as possible); returns the number of runs and sets
  // *n to the keys covered.
  int32_t tile_segments(const int32_t* table, int32_t j0, int32_t end, int32_t kvh, Segment* seg, int32_t* n) const {
    const bool f16 = L.dtype == EMBER_F16;
    int32_t covered = 0, ns = 0;
    while (covered < kTile && j0 + covered < end) {
      const int32_t p = j0 + covered, o = p % L.block_size;
      const int64_t block = table[p / L.block_size];
      int32_t len = L.block_size - o;
      if (len > kTile - covered) len = kTile - covered;
      if (len > end - p) len = end - p;
      seg[ns++] = f16 ? Segment{kv_row<uint16_t>(L.k, L, block, kvh, o), kv_row<uint16_t>(L.v, L, block, kvh, o), len}
                      : Segment{kv_row<float>(L.k, L, block, kvh, o), kv_row<float>(L.v, L, block, kvh, o), len};
      covered += len;
    }
    *n = covered;
    return ns;
  }

  // Queries [t0, t0 + nq) of every head in [h0, h0 + nh).
  void run(int32_t seq, int32_t t0, int32_t nq, int32_t h0, int32_t nh) const {
    if (nq > 1 && kern.chunk_tile != nullptr && kern.chunk_heads <= kMaxCallHeads) return run_chunk(seq, t0, nq, h0, nh);
    for (int32_t h = h0; h < h0 + nh; h++) run_queries(seq, t0, nq, h);
  }

  // The chunk kernel's path: queries [t0, t0 + nq) (nq >= 2) in the lanes, the last one repeated in
  // the unused lanes, and heads in calls of chunk_heads, the last call padded with the last head (the
  // padding is computed, never stored); each tile's K and V converted once for the nh heads.
  void run_chunk(int32_t seq, int32_t t0, int32_t nq, int32_t h0, int32_t nh) const {
    constexpr int kQueries = kAttentionQueryChunk;
    const int32_t ch = kern.chunk_heads, lanes = kQueries * ch, calls = (nh + ch - 1) / ch;
    const int32_t d = L.head_dim;
    const int32_t kvh = h0 / (heads / L.kv_heads);
    const int64_t ld = (int64_t)heads * d;
    const float scale = (float)(1.0 / std::sqrt((double)d));
    float* kt = scratch;
    float* vt = kt + (int64_t)kTile * d;
    float* state = vt + (int64_t)kTile * d;
    const int64_t per_call = ch * chunk_state_floats(d);
    // call c's state, lane = head in the call * kQueries + query: qt[d][lanes], ot[d][lanes], m, l
    auto qt_of = [&](int32_t c) { return state + c * per_call; };
    auto ot_of = [&](int32_t c) { return qt_of(c) + (int64_t)lanes * d; };
    auto m_of = [&](int32_t c) { return ot_of(c) + (int64_t)lanes * d; };
    auto l_of = [&](int32_t c) { return m_of(c) + lanes; };
    int32_t pos[kQueries * kMaxCallHeads];
    int32_t end = 0;
    for (int32_t i = 0; i < kQueries; i++) {
      const int32_t t = t0 + (i < nq ? i : nq - 1);
      for (int32_t hh = 0; hh < ch; hh++) pos[hh * kQueries + i] = step.positions[t];
      if (step.positions[t] + 1 > end) end = step.positions[t] + 1;
      for (int32_t c = 0; c < calls; c++) {
        for (int32_t hh = 0; hh < ch; hh++) {
          const int32_t j = std::min(c * ch + hh, nh - 1), lane = hh * kQueries + i;
          const float* qi = q + (int64_t)t * ld + (int64_t)(h0 + j) * d;
          float* qt = qt_of(c);
          for (int32_t x = 0; x < d; x++) qt[(int64_t)x * lanes + lane] = qi[x] * scale;
          m_of(c)[lane] = -std::numeric_limits<float>::infinity();
          l_of(c)[lane] = 0.f;
        }
      }
    }
    for (int32_t c = 0; c < calls; c++) std::memset(ot_of(c), 0, sizeof(float) * lanes * d);
    const int32_t* table = step.block_tables + (int64_t)seq * step.max_blocks;
    const bool f16 = L.dtype == EMBER_F16;
    Segment seg[kTile];
    for (int32_t j0 = 0; j0 < end;) {
      int32_t n = 0;
      const int32_t ns = tile_segments(table, j0, end, kvh, seg, &n);
      for (int32_t g = 0, done = 0; g < ns; done += seg[g++].n) {
        const int64_t count = (int64_t)seg[g].n * d;
        if (f16) {
          kern.from_f16((const uint16_t*)seg[g].k, kt + (int64_t)done * d, count);
          kern.from_f16((const uint16_t*)seg[g].v, vt + (int64_t)done * d, count);
        } else {
          std::memcpy(kt + (int64_t)done * d, seg[g].k, count * sizeof(float));
          std::memcpy(vt + (int64_t)done * d, seg[g].v, count * sizeof(float));
        }
      }
      for (int32_t c = 0; c < calls; c++) kern.chunk_tile(qt_of(c), pos, j0, kt, vt, n, d, m_of(c), l_of(c), ot_of(c));
      j0 += n;
    }
    for (int32_t j = 0; j < nh; j++) {
      const int32_t c = j / ch, lane0 = (j % ch) * kQueries;
      const float* ot = ot_of(c);
      const float* l = l_of(c);
      for (int32_t i = 0; i < nq; i++) {
        float* o = out + (int64_t)(t0 + i) * ld + (int64_t)(h0 + j) * d;
        const float inv = l[lane0 + i] > 0.f ? 1.f / l[lane0 + i] : 0.f;
        for (int32_t x = 0; x < d; x++) o[x] = ot[(int64_t)x * lanes + lane0 + i] * inv;
      }
    }
  }

  // The per-query path: each query of [t0, t0 + nq) over the tiles, for head h.
  void run_queries(int32_t seq, int32_t t0, int32_t nq, int32_t h) const {
    const int32_t d = L.head_dim;
    const int32_t kvh = h / (heads / L.kv_heads);
    const int64_t ld = (int64_t)heads * d;
    const float scale = (float)(1.0 / std::sqrt((double)d));
    float* acc = scratch;
    float* mx = acc + (int64_t)kAttentionQueryChunk * d;
    float* sum = mx + kAttentionQueryChunk;
    float* s = sum + kAttentionQueryChunk;
    int32_t max_pos = -1;
    for (int32_t i = 0; i < nq; i++) {
      mx[i] = -std::numeric_limits<float>::infinity();
      sum[i] = 0.f;
      std::memset(acc + (int64_t)i * d, 0, sizeof(float) * d);
      if (step.positions[t0 + i] > max_pos) max_pos = step.positions[t0 + i];
    }
    const int32_t* table = step.block_tables + (int64_t)seq * step.max_blocks;
    const bool f16 = L.dtype == EMBER_F16;
    Segment seg[kTile];
    for (int32_t j0 = 0; j0 <= max_pos;) {
      int32_t n = 0;
      tile_segments(table, j0, max_pos + 1, kvh, seg, &n);
      for (int32_t i = 0; i < nq; i++) {
        int32_t ni = step.positions[t0 + i] - j0 + 1;
        if (ni <= 0) continue;
        if (ni > n) ni = n;
        const float* qi = q + (int64_t)(t0 + i) * ld + (int64_t)h * d;
        float* ai = acc + (int64_t)i * d;
        for (int32_t g = 0, done = 0; done < ni; done += seg[g++].n) {
          const int32_t c = seg[g].n < ni - done ? seg[g].n : ni - done;
          if (f16) {
            kern.scores_f16(qi, (const uint16_t*)seg[g].k, c, d, s + done);
          } else {
            kern.scores_f32(qi, (const float*)seg[g].k, c, d, s + done);
          }
        }
        float m_new = mx[i];
        const float tile_sum = kern.exp_scores(s, ni, scale, &m_new);
        if (m_new != mx[i]) {
          float corr = std::exp(mx[i] - m_new);  // 0 on the first tile (max was -inf)
          sum[i] *= corr;
          for (int32_t x = 0; x < d; x++) ai[x] *= corr;
          mx[i] = m_new;
        }
        sum[i] += tile_sum;
        for (int32_t g = 0, done = 0; done < ni; done += seg[g++].n) {
          const int32_t c = seg[g].n < ni - done ? seg[g].n : ni - done;
          if (f16) {
            kern.accumulate_f16(s + done, (const uint16_t*)seg[g].v, c, d, ai);
          } else {
            kern.accumulate_f32(s + done, (const float*)seg[g].v, c, d, ai);
          }
        }
      }
      j0 += n;
    }
    for (int32_t i = 0; i < nq; i++) {
      float* o = out + (int64_t)(t0 + i) * ld + (int64_t)h * d;
      float inv = sum[i] > 0.f ? 1.f / sum[i] : 0.f;
      for (int32_t x = 0; x < d; x++) o[x] = acc[(int64_t)i * d + x] * inv;
    }
  }
};

}  // namespace

void attention(ThreadPool& pool, const AttentionKernels& kern, const KvLayer& L, const StepView& step,
               int32_t heads, const float* q, float* out, float* scratch) {
  const int64_t per_member = attention_scratch_floats(L.head_dim);
  int64_t chunks = 0;
  bool prefill = false;
  for (int32_t s = 0; s < step.num_seqs; s++) {
    int32_t n = step.query_start[s + 1] - step.query_start[s];
    chunks += (n + kAttentionQueryChunk - 1) / kAttentionQueryChunk;
    prefill = prefill || n > 1;
  }
  // Heads per task: the heads of one KV head (at most kChunkHeads, a divisor of the group) when the
  // chunk kernel will run and the tasks still outnumber the pool twice over; else one.
  const int32_t group = heads / L.kv_heads;
  int32_t per_task = 1;
  if (prefill && kern.chunk_tile != nullptr) {
    for (int32_t g = std::min(group, kChunkHeads); g > 1; g--) {
      if (group % g == 0 && chunks * (heads / g) >= 2 * pool.size()) {
        per_task = g;
        break;
      }
    }
  }
  const int32_t units = heads / per_task;
  const int64_t total = chunks * units;
  std::atomic<int64_t> next{0};
  auto worker = [&](int tid, int nth) {
    AttentionTask task{kern, L, step, heads, q, out, scratch + tid * per_member};
    // Tasks are numbered sequence-major; each member's indices only grow, so it keeps a cursor.
    int32_t seq = 0;
    int64_t seq_base = 0, seq_tasks = 0;
    auto tasks_of = [&](int32_t s) {
      int32_t n = step.query_start[s + 1] - step.query_start[s];
      return (int64_t)(n + kAttentionQueryChunk - 1) / kAttentionQueryChunk * units;
    };
    if (step.num_seqs > 0) seq_tasks = tasks_of(0);
    for (;;) {
      int64_t idx = next.fetch_add(1, std::memory_order_relaxed);
      if (idx >= total) break;
      while (idx >= seq_base + seq_tasks) {
        seq_base += seq_tasks;
        seq++;
        seq_tasks = tasks_of(seq);
      }
      int64_t local = idx - seq_base;
      int32_t chunk = (int32_t)(local / units), h0 = (int32_t)(local % units) * per_task;
      int32_t t0 = step.query_start[seq] + chunk * kAttentionQueryChunk;
      int32_t nq = step.query_start[seq + 1] - t0;
      if (nq > kAttentionQueryChunk) nq = kAttentionQueryChunk;
      task.run(seq, t0, nq, h0, per_task);
    }
  };
  if (total <= 1 || pool.size() == 1) {
    worker(0, 1);
  } else {
    pool.run(worker);
  }
}

}  // namespace ember
