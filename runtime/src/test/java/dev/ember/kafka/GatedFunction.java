package dev.ember.kafka;

import dev.ember.engine.OutputSink;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionInfo;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real function behind a gate the test opens and shuts: while shut, submissions wait (nothing is
 * generated), so a test can hold requests in flight for as long as it needs instead of racing the
 * model's speed. Counts the submissions that reached the function and the requests it finished.
 */
final class GatedFunction implements FunctionEndpoint {
  private final FunctionEndpoint function;
  private final AtomicInteger submitted = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private volatile Promise<Void> gate = Promise.promise();

  GatedFunction(FunctionEndpoint function) {
    this.function = function;
  }

  /** Holds every later submission until {@link #open()}; resets the counts. */
  void shut() {
    gate = Promise.promise();
    submitted.set(0);
    finished.set(0);
  }

  void open() {
    gate.tryComplete();
  }

  /** Submissions that passed the gate into the function. */
  int submitted() {
    return submitted.get();
  }

  /** Requests whose final output the function produced. */
  int finished() {
    return finished.get();
  }

  @Override
  public String name() {
    return function.name();
  }

  @Override
  public FunctionInfo info() {
    return function.info();
  }

  @Override
  public Future<Submission> submit(InferenceRequest request, OutputSink sink) {
    Context caller = Objects.requireNonNull(Vertx.currentContext(), "submit is called on a Vert.x context");
    Promise<Submission> queued = Promise.promise();
    gate.future().onComplete(v -> caller.runOnContext(x -> {
      submitted.incrementAndGet();
      function.submit(request, out -> {
        if (out.requestFinished()) {
          finished.incrementAndGet();
        }
        sink.accept(out);
      }).onComplete(queued);
    }));
    return queued.future();
  }

  @Override
  public Future<int[]> tokenize(Prompt prompt) {
    return function.tokenize(prompt);
  }

  @Override
  public Future<String> detokenize(int[] ids) {
    return function.detokenize(ids);
  }
}
