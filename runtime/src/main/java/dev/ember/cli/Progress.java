package dev.ember.cli;

import java.util.function.DoubleConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long CLI task: a progress bar on a terminal, percentage lines every 10% otherwise
 * (pods and CI logs).
 *
 * <pre>{@code try (Progress p = Progress.start("loading")) { load(p::update); } }</pre>
 */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;
  private final String task;
  private int lastDecile = -1;

  private Progress(String task, ProgressBar bar) {
    this.task = task;
    this.bar = bar;
  }

  static Progress start(String task) {
    if (System.console() != null) {
      ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(1000)
          .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
          .build();
      return new Progress(task, bar);
    }
    return new Progress(task, null);
  }

  /** Accepts a fraction in [0, 1]. */
  void update(double fraction) {
    if (bar != null) {
      bar.stepTo(Math.round(fraction * 1000));
      return;
    }
    int decile = (int) Math.floor(fraction * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      System.err.printf("%s: %d%%%n", task, decile * 10);
    }
  }

  DoubleConsumer consumer() {
    return this::update;
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.stepTo(1000);
      bar.close();
    }
  }
}
