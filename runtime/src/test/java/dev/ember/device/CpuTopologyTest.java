package dev.ember.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuTopologyTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {"0-3,8;0-3,8;5", "0;0;1", "0-1,3-5;0-1,3-5;5", "7,1,2,3;1-3,7;4", "'';'';0"})
  void cpu_lists_parse_and_print_in_the_kernel_syntax(String text, String printed, int size) {
    CpuSet s = CpuSet.parse(text);
    assertEquals(printed, s.toString());
    assertEquals(size, s.size());
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {"3-1", "a", "1-", "-1", "99999999", "1,,2"})
  void bad_cpu_lists_are_refused(String text) {
    assertThrows(IllegalArgumentException.class, () -> CpuSet.parse(text));
  }

  @Test
  void one_node_machine_has_numa_0_with_every_cpu() throws Exception {
    new SysfsTree(dir).online("0-1").node(0, "0-1").packageOf("0-1", 0);
    CpuTopology t = CpuTopology.read(dir, null);
    assertEquals(1, t.nodes().size());
    assertEquals("0-1", t.node(0).orElseThrow().cpus().toString());
    assertEquals("0", t.node(0).orElseThrow().packages().toString());
  }

  @Test
  void a_kernel_without_numa_is_one_node_of_all_online_cpus() throws Exception {
    new SysfsTree(dir).online("0-5");
    CpuTopology t = CpuTopology.read(dir, null);
    assertEquals(List.of(0), t.nodes().stream().map(CpuTopology.NumaNode::id).toList());
    assertEquals("0-5", t.nodes().get(0).cpus().toString());
  }

  @Test
  void two_sockets_of_two_nodes_with_smt_siblings() throws Exception {
    // 16 cores x 2 threads: node n holds cores 4n..4n+3 and their SMT siblings 16+4n..16+4n+3.
    SysfsTree tree = new SysfsTree(dir).online("0-31");
    for (int n = 0; n < 4; n++) {
      String cpus = (4 * n) + "-" + (4 * n + 3) + "," + (16 + 4 * n) + "-" + (16 + 4 * n + 3);
      tree.node(n, cpus).packageOf(cpus, n / 2);
    }
    CpuTopology t = CpuTopology.read(dir, null);
    assertEquals(4, t.nodesWithCpus().size());
    assertEquals("8-11,24-27", t.node(2).orElseThrow().cpus().toString());
    assertEquals("1", t.node(3).orElseThrow().packages().toString());
    List<DeviceContext> all = DevicePlan.resolve(DeviceSpec.parseList("numa:all"), t);
    assertEquals(List.of("numa:0", "numa:1", "numa:2", "numa:3"), all.stream().map(DeviceContext::name).toList());
    assertEquals(List.of(0, 1, 2, 3), all.stream().map(DeviceContext::node).toList());
    assertEquals(8, all.get(1).cpus().size());
  }

  @Test
  void offline_cpus_are_not_in_any_node() throws Exception {
    new SysfsTree(dir).online("0-2,4-7").node(0, "0-3").node(1, "4-7");
    CpuTopology t = CpuTopology.read(dir, null);
    assertEquals("0-2", t.node(0).orElseThrow().cpus().toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DevicePlan.resolve(DeviceSpec.parseList("cpu:2-3"), t));
    assertTrue(e.getMessage().contains("CPU 3 is offline"), e.getMessage());
  }

  @Test
  void a_node_without_cpus_gets_no_context_and_cannot_be_named() throws Exception {
    new SysfsTree(dir).online("0-3").node(0, "0-3").node(1, "");
    CpuTopology t = CpuTopology.read(dir, null);
    assertEquals(2, t.nodes().size());
    assertEquals(1, DevicePlan.resolve(DeviceSpec.parseList("numa:all"), t).size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DevicePlan.resolve(DeviceSpec.parseList("numa:1"), t));
    assertTrue(e.getMessage().contains("has no CPU"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DevicePlan.resolve(DeviceSpec.parseList("numa:7"), t));
  }

  @Test
  void the_affinity_mask_restricts_every_node() throws Exception {
    new SysfsTree(dir).online("0-7").node(0, "0-3").node(1, "4-7");
    CpuTopology t = CpuTopology.read(dir, CpuSet.parse("2-5"));
    assertEquals("2-3", t.node(0).orElseThrow().cpus().toString());
    assertEquals("4-5", t.node(1).orElseThrow().cpus().toString());
    assertEquals("cpu", DevicePlan.resolve(DeviceSpec.parseList("cpu"), t).get(0).name());
    assertEquals("2-5", DevicePlan.resolve(DeviceSpec.parseList("cpu"), t).get(0).cpus().toString());
  }

  @Test
  void this_host_has_a_numa_0() throws Exception {
    CpuTopology t = CpuTopology.host();
    assertTrue(t.node(0).isPresent() || !t.nodes().isEmpty());
    assertTrue(t.allowed().size() >= 1);
    assertEquals(t.nodesWithCpus().size(), DevicePlan.resolve(DeviceSpec.parseList("numa:all"), t).size());
  }
}
