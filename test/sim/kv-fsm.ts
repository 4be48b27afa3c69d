/** The simulator's replicated state machine: a KV map with Consul-style modify indexes and CAS. */

export type KvCommand =
  | { op: "put"; key: string; value: string; req: string }
  | { op: "delete"; key: string; req: string }
  | { op: "cas"; key: string; value: string; expectIndex: number; req: string };

export interface KvResult {
  ok: boolean;
  index: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export const encodeCommand = (c: KvCommand): Uint8Array => enc.encode(JSON.stringify(c));
export const decodeCommand = (b: Uint8Array): KvCommand => JSON.parse(dec.decode(b)) as KvCommand;

export class KvFsm {
  readonly data = new Map<string, { value: string; index: number }>();
  applied = 0;

  apply(index: number, cmd: KvCommand): KvResult {
    if (index <= this.applied) throw new Error(`fsm: index ${index} applied twice (applied ${this.applied})`);
    this.applied = index;
    switch (cmd.op) {
      case "put":
        this.data.set(cmd.key, { value: cmd.value, index });
        return { ok: true, index };
      case "delete":
        this.data.delete(cmd.key);
        return { ok: true, index };
      case "cas": {
        const cur = this.data.get(cmd.key);
        const holds = cmd.expectIndex === 0 ? cur === undefined : cur?.index === cmd.expectIndex;
        if (!holds) return { ok: false, index };
        this.data.set(cmd.key, { value: cmd.value, index });
        return { ok: true, index };
      }
    }
  }

  /** Marks a non-state-machine entry (no-op, config) as applied. */
  skip(index: number): void {
    if (index <= this.applied) throw new Error(`fsm: index ${index} applied twice`);
    this.applied = index;
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ applied: this.applied, data: [...this.data] }));
  }

  static restore(bytes: Uint8Array): KvFsm {
    const fsm = new KvFsm();
    if (bytes.length === 0) return fsm;
    const s = JSON.parse(dec.decode(bytes)) as { applied: number; data: Array<[string, { value: string; index: number }]> };
    fsm.applied = s.applied;
    for (const [k, v] of s.data) fsm.data.set(k, v);
    return fsm;
  }

  digest(): string {
    return JSON.stringify([...this.data].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
}
