package dev.ember.cli;

import dev.ember.engine.EngineBuildOptions;
import dev.ember.engine.EngineOptions;
import dev.ember.engine.LoadedEngine;
import dev.ember.runner.DirectDecoder;
import dev.ember.runner.KvCacheMemory;
import dev.ember.sched.SchedulerOptions;
import dev.ember.tokenizer.Tokenizer;
import dev.ember.tokenizer.ChatTemplate;
import dev.ember.tokenizer.Detokenizer;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember generate}: greedy generation from one prompt, printing the text as it is produced and
 * the timings. Without {@code --model} it uses the embedded demo model (created on first use).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt.")
public final class GenerateCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;

  @Option(names = "--prompt", required = true, description = "The prompt text.")
  String prompt;

  @Option(names = "--chat", description = "Render the prompt as a user turn with the model's chat template.")
  boolean chat;

  @Option(names = "--system", description = "System message (with --chat).")
  String system;

  @Option(names = "--max-tokens", defaultValue = "64", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Override
  public Integer call() throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int[][] prompted = new int[1][];
    try (LoadedEngine m = modelOptions.loadEngine(1, (model, tokenizer) -> {
      prompted[0] = promptIds(tokenizer);
      int need = prompted[0].length + maxTokens;
      // one block more than the sequence needs: the engine's pool keeps block 0 out
      return EngineBuildOptions.ofBlocks(blocksFor(need) + 1, EngineOptions.defaults(need)
          .withScheduler(new SchedulerOptions(1, model.maxBatchTokens(), need, SchedulerOptions.Policy.FCFS)));
    })) {
      int[] ids = prompted[0];
      int vocab = m.model().config().vocabSize();
      DirectDecoder d = DirectDecoder.contiguous(m.runner(), 1);
      long t0 = System.nanoTime();
      FloatBuffer logits = d.prefill(0, ids);
      long t1 = System.nanoTime();
      Detokenizer detok = m.tokenizer().newDetokenizer(true);
      int generated = 0;
      int next = DirectDecoder.argmax(logits, 0, vocab);
      long firstToken = System.nanoTime();
      while (true) {
        generated++;
        out.print(detok.push(next));
        if (generated >= maxTokens || m.isEos(next)) {
          break;
        }
        logits = d.decode(new int[] {0}, new int[] {next});
        next = DirectDecoder.argmax(logits, 0, vocab);
      }
      out.print(detok.flush());
      long t2 = System.nanoTime();
      out.println();
      System.err.printf("prompt %d tokens, prefill %.1f ms (%.1f tok/s); generated %d tokens, decode %.1f tok/s%n",
          ids.length, (t1 - t0) / 1e6, ids.length / ((t1 - t0) / 1e9), generated,
          generated > 1 ? (generated - 1) / ((t2 - firstToken) / 1e9) : 0.0);
    }
    return 0;
  }

  private int[] promptIds(Tokenizer tokenizer) {
    String text = prompt;
    if (chat) {
      ChatTemplate template = tokenizer.chatTemplate()
          .orElseThrow(() -> new IllegalArgumentException("model has no chat template; drop --chat"));
      List<Map<String, Object>> messages = new ArrayList<>();
      if (system != null) {
        messages.add(Map.of("role", "system", "content", system));
      }
      messages.add(Map.of("role", "user", "content", prompt));
      text = template.render(messages, true);
    }
    return tokenizer.encode(text, !chat);
  }

  private static int blocksFor(int tokens) {
    return (tokens + KvCacheMemory.DEFAULT_BLOCK_SIZE - 1) / KvCacheMemory.DEFAULT_BLOCK_SIZE;
  }
}
