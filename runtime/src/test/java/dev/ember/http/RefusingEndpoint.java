package dev.ember.http;

import dev.ember.engine.OutputSink;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionState;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import io.vertx.core.Future;

/** A function that refuses every request with one error (queue full, failed), for error-mapping tests. */
record RefusingEndpoint(String name, FunctionException error) implements FunctionEndpoint {
  @Override
  public FunctionInfo info() {
    return new FunctionInfo(name, "none", "cpu", FunctionState.FAILED, error.getMessage(), 1024, 0, null);
  }

  @Override
  public Future<Submission> submit(InferenceRequest request, OutputSink sink) {
    return Future.failedFuture(error);
  }

  @Override
  public Future<int[]> tokenize(Prompt prompt) {
    return Future.failedFuture(error);
  }

  @Override
  public Future<String> detokenize(int[] ids) {
    return Future.failedFuture(error);
  }
}
