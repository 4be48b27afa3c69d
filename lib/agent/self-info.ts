/**
 * What an agent is in its cluster — server or client, and its Raft state —
 * read from its backend, for /v1/agent/self and `disco info`.
 *
 * @module
 */
import type { CommandBackend } from "./backend.js";
import { ClientBackend } from "./client-backend.js";
import { LocalBackend } from "./local-backend.js";
import { RaftBackend } from "./raft-backend.js";

/** Raft state as Consul's `raft` stats name it. */
export type RaftStateName = "Leader" | "Follower" | "Candidate";

/** The Raft side of a server (dev mode: the one voter, always leading). */
export interface RaftInfo {
  state: RaftStateName;
  term: number;
  /** The leader's ID ("" when none is known). */
  leader: string;
  voters: string[];
  appliedIndex: number;
  commitIndex: number;
  lastLogIndex: number;
  lastLogTerm: number;
}

/** The agent's role. */
export interface RoleInfo {
  /** Whether this agent keeps the replicated catalog (a Raft voter, or the dev-mode node). */
  server: boolean;
  /** Whether a leader is known, and whether it is this agent. */
  leaderKnown: boolean;
  isLeader: boolean;
  /** Set on servers. */
  raft?: RaftInfo;
  /** Servers a client agent knows (0 on servers and in gossip mode). */
  knownServers: number;
}

const ROLE_STATE: Record<string, RaftStateName> = {
  leader: "Leader", follower: "Follower", candidate: "Candidate", preCandidate: "Candidate",
};

/** The role of the agent whose backend this is. */
export function describeRole(backend: CommandBackend): RoleInfo {
  if (backend instanceof RaftBackend) {
    const s = backend.raft.status();
    return {
      server: true, leaderKnown: s.leader !== "", isLeader: s.role === "leader", knownServers: 0,
      raft: {
        state: ROLE_STATE[s.role] ?? "Follower", term: s.term, leader: s.leader, voters: s.voters,
        appliedIndex: s.applied, commitIndex: s.commit, lastLogIndex: s.lastIndex, lastLogTerm: s.lastTerm,
      },
    };
  }
  if (backend instanceof LocalBackend) {
    const index = backend.catalog.state.lastIndex;
    return {
      server: true, leaderKnown: true, isLeader: true, knownServers: 0,
      raft: { state: "Leader", term: 1, leader: "", voters: [], appliedIndex: index, commitIndex: index, lastLogIndex: index, lastLogTerm: 1 },
    };
  }
  if (backend instanceof ClientBackend) {
    return { server: false, leaderKnown: backend.cluster.leader !== "", isLeader: false, knownServers: backend.cluster.voters.length };
  }
  // Gossip mode: equal peers, no servers and no leader.
  return { server: false, leaderKnown: false, isLeader: false, knownServers: 0 };
}
