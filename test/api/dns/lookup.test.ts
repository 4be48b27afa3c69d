import t from "tap";
import { parseLookup } from "../../../lib/api/dns/lookup.js";
import { fromHex, ipBytes, ipv6Bytes, toHex } from "../../../lib/api/dns/ip.js";

const D = ["disco"];
const L = (name: string) => parseLookup(name.split("."), D);

t.test("dns lookup: service names in Consul's standard form, with tag and datacenter ([dns-s])", async (t) => {
  t.same(L("web.service.disco"), { kind: "service", service: "web", tag: undefined, dc: undefined });
  t.same(L("v1.web.service.disco"), { kind: "service", service: "web", tag: "v1", dc: undefined });
  t.same(L("web.service.dc1.disco"), { kind: "service", service: "web", tag: undefined, dc: "dc1" });
  t.same(L("v1.web.service.dc2.dc.disco"), { kind: "service", service: "web", tag: "v1", dc: "dc2" });
  t.same(L("WEB.SERVICE.DISCO"), { kind: "service", service: "WEB", tag: undefined, dc: undefined }, "keywords case-insensitive, name case kept");
});

t.test("dns lookup: RFC 2782 form _NAME._TAG; _tcp means no tag filter", async (t) => {
  t.same(L("_web._tcp.service.disco"), { kind: "service", service: "web", tag: undefined, dc: undefined });
  t.same(L("_web._TCP.service.disco"), { kind: "service", service: "web", tag: undefined, dc: undefined });
  t.same(L("_web._v1.service.dc1.disco"), { kind: "service", service: "web", tag: "v1", dc: "dc1" });
  t.same(L("_web.v1.service.disco"), { kind: "service", service: "v1", tag: "_web", dc: undefined }, "both labels need the underscore");
});

t.test("dns lookup: node and addr names", async (t) => {
  t.same(L("n1.node.disco"), { kind: "node", node: "n1", dc: undefined });
  t.same(L("n1.node.dc1.disco"), { kind: "node", node: "n1", dc: "dc1" });
  const a = L("7f000001.addr.dc1.disco");
  t.equal(a.kind, "addr");
  t.same(a.kind === "addr" ? [...a.address] : [], [127, 0, 0, 1]);
  t.same(L("nothex.addr.disco"), { kind: "unknown" });
});

t.test("dns lookup: apex, outside, and unknown forms", async (t) => {
  t.same(L("disco"), { kind: "apex" });
  t.same(L("example.com"), { kind: "outside" });
  t.same(parseLookup([], D), { kind: "outside" }, "the root is outside");
  t.same(L("web.service.other"), { kind: "outside" });
  t.same(L("web.disco"), { kind: "unknown" });
  t.same(L("a.b.c.service.disco"), { kind: "unknown" }, "three labels before .service");
  t.same(L("a.b.node.disco"), { kind: "unknown" });
  t.same(parseLookup(["web", "service", "my", "corp"], ["my", "corp"]), { kind: "service", service: "web", tag: undefined, dc: undefined });
});

t.test("dns ip: text to bytes for both families, refusing look-alikes", async (t) => {
  t.same([...ipBytes("10.0.0.1")!], [10, 0, 0, 1]);
  t.same([...ipBytes("::1")!], [...new Array(15).fill(0), 1]);
  t.same([...ipv6Bytes("2001:db8::1:2")!].slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
  t.same([...ipv6Bytes("::ffff:1.2.3.4")!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  t.same([...ipv6Bytes("1:2:3:4:5:6:7:8")!].slice(14), [0, 8]);
  for (const bad of ["host.example", "1.2.3", "1.2.3.256", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "", "::g", "1:2:3:4:5:6:7", "::ffff:1.2.3"]) {
    t.equal(ipBytes(bad), undefined, `"${bad}" is not an IP`);
  }
  t.equal(toHex(ipBytes("10.0.0.1")!), "0a000001");
  t.same([...fromHex("0a000001")!], [10, 0, 0, 1]);
  t.equal(fromHex("0a00001"), undefined);
});
