package dev.ember.engine;

import dev.ember.testing.TemporaryDirectories;
import dev.ember.model.DType;
import dev.ember.model.ModelFormat;
import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelShape;
import dev.ember.model.create.RandomModels;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.LoadOptions;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.sample.SamplingParams;
import dev.ember.sched.SchedulerOptions;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real engine over the tiny random model (f32 weights, f32 KV so results are exact across batch
 * shapes), stepped on the test thread, collecting every request's outputs.
 */
final class EngineFixture implements AutoCloseable {
  private static Path modelDir;
  private static final AtomicLong IDS = new AtomicLong();

  final LoadedEngine loaded;
  final NativeModel model;
  final KvCacheMemory kv;
  final ModelRunner runner;
  final Tokenizer tokenizer;
  final Engine engine;
  final Map<String, List<RequestOutput>> outputs = new ConcurrentHashMap<>();

  static synchronized Path modelDir() throws IOException {
    if (modelDir == null) {
      Path dir = TemporaryDirectories.create("ember-engine-test");
      modelDir = RandomModels.create(new CreateOptions(ModelShape.TINY, ModelFormat.HF, DType.F32, 3,
          CreateOptions.DEFAULT_MAX_SHARD_BYTES), dir, f -> {});
    }
    return modelDir;
  }

  EngineFixture(int numBlocks, SchedulerOptions scheduler, boolean prefixCaching) throws IOException {
    loaded = EngineFactory.load(modelDir(), LoadOptions.defaults().withThreads(Integer.getInteger("ember.test.threads", 1))
        .withMaxBatchTokens(scheduler.maxNumBatchedTokens()), EngineBuildOptions.ofBlocks(numBlocks,
            EngineOptions.defaults(scheduler.maxModelLen()).withScheduler(scheduler).withPrefixCaching(prefixCaching))
        .withKvDtype(DType.F32));
    model = loaded.model();
    kv = loaded.kv();
    runner = loaded.runner();
    tokenizer = loaded.tokenizer();
    engine = loaded.engine();
  }

  static SchedulerOptions scheduler(int maxSeqs, int maxTokens) {
    return new SchedulerOptions(maxSeqs, maxTokens, 512, SchedulerOptions.Policy.FCFS);
  }

  int vocab() {
    return model.config().vocabSize();
  }

  String submit(int[] prompt, SamplingParams params) {
    return submit(prompt, params, null, 0);
  }

  String submit(int[] prompt, SamplingParams params, String salt, int priority) {
    String id = "req-" + IDS.incrementAndGet();
    outputs.put(id, new ArrayList<>());
    engine.submit(new EngineRequest(id, prompt, params, salt, priority, out -> outputs.get(out.requestId()).add(out)));
    return id;
  }

  /** Steps until nothing is queued, waiting or running (bounded, so a scheduling bug fails instead of hanging). */
  void runToCompletion() {
    for (int i = 0; i < 1_000_000 && engine.step(); i++) {
      // stepping
    }
    if (engine.hasWork()) {
      throw new AssertionError("engine still has work after 1,000,000 steps");
    }
  }

  /** Token ids sequence {@code index} of a request produced, in order. */
  int[] tokens(String id, int index) {
    return outputs.get(id).stream().filter(o -> o.index() == index && o.tokenId() >= 0)
        .mapToInt(RequestOutput::tokenId).toArray();
  }

  String text(String id, int index) {
    StringBuilder sb = new StringBuilder();
    outputs.get(id).stream().filter(o -> o.index() == index).forEach(o -> sb.append(o.text()));
    return sb.toString();
  }

  RequestOutput last(String id) {
    List<RequestOutput> l = outputs.get(id);
    return l.get(l.size() - 1);
  }

  static SamplingParams greedy(int maxTokens) {
    return SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
  }

  @Override
  public void close() {
    loaded.close();
  }
}
