import t from "tap";
import { capOutput } from "../../lib/health/index.js";
import { CHECK_OUTPUT_BYTES_MAX } from "../../lib/util/limits.js";

t.test("output: capped at CHECK_OUTPUT_BYTES_MAX bytes (Consul's 4 KB check_output_max_size)", async (t) => {
  t.equal(capOutput("short"), "short");
  const long = "x".repeat(CHECK_OUTPUT_BYTES_MAX + 10);
  t.equal(capOutput(long), "x".repeat(CHECK_OUTPUT_BYTES_MAX));
  const exact = "y".repeat(CHECK_OUTPUT_BYTES_MAX);
  t.equal(capOutput(exact), exact, "exactly the limit is kept whole");
});

t.test("output: the cut never splits a multi-byte character", async (t) => {
  // "é" is 2 bytes, "€" 3, "😀" 4: a cut at 5 bytes keeps "aé" + … only whole characters.
  t.equal(capOutput("aé€😀", 3), "aé");
  t.equal(capOutput("aé€😀", 5), "aé");
  t.equal(capOutput("aé€😀", 6), "aé€");
  t.equal(capOutput("aé€😀", 9), "aé€");
  t.equal(capOutput("aé€😀", 10), "aé€😀");
  t.equal(capOutput("😀😀", 1), "");
  const many = "€".repeat(2000); // 6000 bytes
  const capped = capOutput(many);
  t.ok(Buffer.byteLength(capped) <= CHECK_OUTPUT_BYTES_MAX);
  t.notMatch(capped, /\uFFFD/, "no replacement character");
});
