package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --isa} on the bench commands: forces a kernel variant, or refuses one with the reason. */
class KernelIsaOptionsTest {
  private final String best = EmberNative.ember_isa();

  @TempDir Path dir;

  @AfterEach
  void restoreVariant() {
    assertEquals(0, EmberNative.ember_force_isa(best));
  }

  /** Runs args on a fresh command; returns the exit code and what went to stderr. */
  private static Object[] run(Object command, String... args) {
    StringWriter err = new StringWriter();
    int code = new CommandLine(command).setErr(new PrintWriter(err, true)).execute(args);
    return new Object[] {code, err.toString()};
  }

  @Test
  void unknownVariantIsAUsageErrorBeforeAnyModelLoads() {
    for (Object command : new Object[] {new BenchLatencyCommand(), new BenchThroughputCommand()}) {
      Object[] r = run(command, "--isa", "sse9", "--model", dir.resolve("missing.gguf").toString());
      assertEquals(2, r[0]);
      assertTrue(((String) r[1]).contains("--isa sse9: unknown kernel variant sse9"), (String) r[1]);
      assertEquals(best, EmberNative.ember_isa());
    }
  }

  @Test
  void variantOfAnotherArchitectureIsRefusedWithTheReason() {
    boolean arm = System.getProperty("os.arch").contains("aarch64");
    String other = arm ? "avx2" : "neon";
    Object[] r = run(new BenchLatencyCommand(), "--isa", other, "--model", dir.resolve("missing.gguf").toString());
    assertEquals(2, r[0]);
    assertTrue(((String) r[1]).contains("kernel variant " + other + " is not built for this architecture"), (String) r[1]);
    assertEquals(best, EmberNative.ember_isa());
  }

  @Test
  void latencyRunsOnTheForcedVariant() throws Exception {
    Path model = dir.resolve("m");
    assertEquals(0, new CommandLine(new ModelCreateCommand())
        .execute("--shape", "tiny", "--format", "gguf", "--dtype", "f16", "--out", model.toString()));
    Path gguf;
    try (var files = Files.list(model)) {
      gguf = files.filter(p -> p.toString().endsWith(".gguf")).findFirst().orElseThrow();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = new CommandLine(new BenchLatencyCommand()).execute("--model", gguf.toString(), "--isa", "scalar",
          "--threads", "1", "--prompt-len", "8", "--gen", "4", "--batch", "2", "--repeat", "1",
          "--bandwidth-bytes", "1048576");
    } finally {
      System.setOut(stdout);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    assertTrue(printed.contains("scalar kernels, 1 threads"), printed);
  }
}
