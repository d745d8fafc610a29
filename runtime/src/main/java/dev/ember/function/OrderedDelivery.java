package dev.ember.function;

import dev.ember.engine.OutputSink;
import dev.ember.engine.RequestOutput;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries one request's outputs from the device worker to the caller's Vert.x context, in order, and
 * only after the caller has seen its submission: outputs that overtake the submission's completion are
 * held and replayed right after it.
 */
final class OrderedDelivery implements OutputSink {
  private final Context context;
  private final OutputSink target;
  private boolean open;
  private List<RequestOutput> held;

  OrderedDelivery(Context context, OutputSink target) {
    this.context = context;
    this.target = target;
  }

  /** Called on the device worker. */
  @Override
  public void accept(RequestOutput output) {
    context.runOnContext(v -> deliver(output));
  }

  private void deliver(RequestOutput output) {
    if (open) {
      target.accept(output);
    } else {
      if (held == null) {
        held = new ArrayList<>();
      }
      held.add(output);
    }
  }

  /** On the caller's context, once the submission has been handed to the caller: replay held outputs next. */
  void openAfterCurrentTask() {
    context.runOnContext(v -> {
      open = true;
      if (held != null) {
        held.forEach(target::accept);
        held = null;
      }
    });
  }
}
