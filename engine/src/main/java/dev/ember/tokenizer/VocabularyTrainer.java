package dev.ember.tokenizer;

import dev.ember.tokenizer.internal.ByteLevelAlphabet;
import dev.ember.tokenizer.internal.PreTokenizerPatterns;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a deterministic byte-level BPE vocabulary for random-weight test models ({@code ember
 * model create}): the 256 byte tokens (GPT-2 byte-to-unicode form) in byte order, then merges
 * learned from an embedded corpus pre-tokenized with the Qwen2 regex (most frequent pair first,
 * ties to the lower ids), then the control tokens {@link #SPECIAL_TOKENS}, with a ChatML chat
 * template and {@code <|im_end|>} as EOS (no BOS). When the corpus runs out of pairs before the
 * requested size, the remaining merges join pairs of learned tokens in id order: valid tokens the
 * pre-tokenizer rarely or never produces, which is fine for random weights.
 *
 * <p>Usage: {@code Vocabulary v = VocabularyTrainer.train(1024); TokenizerFiles.write(v, dir);}
 */
public final class VocabularyTrainer {

  /** Control tokens appended after the learned ones, in this order. */
  public static final List<String> SPECIAL_TOKENS =
      List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>");

  /** Smallest trainable size: the byte tokens plus the special tokens. */
  public static final int MIN_VOCAB_SIZE = 256 + SPECIAL_TOKENS.size();

  private static final String CORPUS = "corpus.txt";
  private static final String CHAT_TEMPLATE = "chatml.jinja";

  private VocabularyTrainer() {}

  /** A vocabulary of exactly {@code vocabSize} tokens trained on the embedded corpus. */
  public static Vocabulary train(int vocabSize) {
    return train(resource(CORPUS), vocabSize);
  }

  /** A vocabulary of exactly {@code vocabSize} tokens trained on {@code corpus}. */
  public static Vocabulary train(String corpus, int vocabSize) {
    if (vocabSize < MIN_VOCAB_SIZE) {
      throw new IllegalArgumentException("vocabulary size " + vocabSize + " < minimum " + MIN_VOCAB_SIZE);
    }
    int learnedSize = vocabSize - SPECIAL_TOKENS.size();
    List<String> tokens = new ArrayList<>(vocabSize);
    for (int b = 0; b < 256; b++) {
      tokens.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
    }
    List<String> merges = new ArrayList<>(learnedSize - 256);
    new PairMerger(words(corpus), tokens, merges).run(learnedSize);
    fillWithLearnedPairs(tokens, merges, learnedSize);
    List<Integer> types = new ArrayList<>(Collections.nCopies(tokens.size(), Vocabulary.TYPE_NORMAL));
    for (String special : SPECIAL_TOKENS) {
      tokens.add(special);
      types.add(Vocabulary.TYPE_CONTROL);
    }
    int eos = tokens.indexOf("<|im_end|>");
    return new Vocabulary(tokens, types, merges, -1, eos, "qwen2", resource(CHAT_TEMPLATE));
  }

  /** Pre-tokenized corpus: byte sequences of distinct words with their counts, in first-seen order. */
  private static Map<String, Integer> words(String corpus) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    Matcher m = PreTokenizerPatterns.compile(PreTokenizerPatterns.QWEN2).matcher(corpus);
    while (m.find()) {
      counts.merge(m.group(), 1, Integer::sum);
    }
    return counts;
  }

  private static void fillWithLearnedPairs(List<String> tokens, List<String> merges, int learnedSize) {
    Set<String> existing = new HashSet<>(tokens);
    int firstLearned = tokens.size() > 256 ? 256 : 0;
    int learnedEnd = tokens.size();
    for (int a = firstLearned; a < learnedEnd && tokens.size() < learnedSize; a++) {
      for (int b = firstLearned; b < learnedEnd && tokens.size() < learnedSize; b++) {
        String joined = tokens.get(a) + tokens.get(b);
        if (existing.add(joined)) {
          tokens.add(joined);
          merges.add(tokens.get(a) + " " + tokens.get(b));
        }
      }
    }
    if (tokens.size() < learnedSize) {
      throw new IllegalArgumentException("corpus too small for " + learnedSize + " learned tokens");
    }
  }

  private static String resource(String name) {
    try (InputStream in = VocabularyTrainer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** BPE training over distinct words with incremental pair counts and a lazy max-heap. */
  private static final class PairMerger {
    private final int[][] words;
    private final int[] freq;
    private final List<String> tokens;
    private final List<String> merges;
    private final Map<Long, Integer> pairCounts = new HashMap<>();
    private final Map<Long, BitSet> pairWords = new HashMap<>();
    private final PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) ->
        x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));

    PairMerger(Map<String, Integer> wordCounts, List<String> tokens, List<String> merges) {
      this.tokens = tokens;
      this.merges = merges;
      this.words = new int[wordCounts.size()][];
      this.freq = new int[wordCounts.size()];
      int w = 0;
      for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
        byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
          symbols[i] = bytes[i] & 0xFF;
        }
        words[w] = symbols;
        freq[w] = e.getValue();
        w++;
      }
      Set<Long> touched = new HashSet<>();
      for (int i = 0; i < words.length; i++) {
        count(i, +1, touched);
      }
      touched.forEach(this::push);
    }

    void run(int learnedSize) {
      while (tokens.size() < learnedSize && !heap.isEmpty()) {
        long[] top = heap.poll();
        long pair = top[1];
        Integer current = pairCounts.get(pair);
        if (current == null || current != top[0]) {
          continue; // stale entry
        }
        merge(pair);
      }
    }

    private void merge(long pair) {
      int a = (int) (pair >>> 32);
      int b = (int) pair;
      int merged = tokens.size();
      tokens.add(tokens.get(a) + tokens.get(b));
      merges.add(tokens.get(a) + " " + tokens.get(b));
      Set<Long> touched = new HashSet<>();
      BitSet holders = pairWords.remove(pair);
      for (int w = holders.nextSetBit(0); w >= 0; w = holders.nextSetBit(w + 1)) {
        count(w, -1, touched);
        words[w] = replace(words[w], a, b, merged);
        count(w, +1, touched);
      }
      touched.forEach(this::push);
    }

    private static int[] replace(int[] symbols, int a, int b, int merged) {
      int[] out = new int[symbols.length];
      int n = 0;
      for (int i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] == a && symbols[i + 1] == b) {
          out[n++] = merged;
          i++;
        } else {
          out[n++] = symbols[i];
        }
      }
      return java.util.Arrays.copyOf(out, n);
    }

    private void count(int w, int sign, Set<Long> touched) {
      int[] s = words[w];
      for (int i = 0; i + 1 < s.length; i++) {
        long key = ((long) s[i] << 32) | (s[i + 1] & 0xFFFFFFFFL);
        pairCounts.merge(key, sign * freq[w], Integer::sum);
        if (sign > 0) {
          pairWords.computeIfAbsent(key, k -> new BitSet()).set(w);
        }
        touched.add(key);
      }
    }

    private void push(long key) {
      Integer c = pairCounts.get(key);
      if (c != null && c > 0) {
        heap.add(new long[] {c, key});
      } else {
        pairCounts.remove(key);
      }
    }
  }
}
