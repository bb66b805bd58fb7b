/**
 * BENCH_SYSTEMS: the driver of every compared system, by name.
 */
import type { BenchSystem, SystemName } from './bench-system.ts'
import { durableStreamsSystem } from './durable-streams-system.ts'
import { hocuspocusSystem } from './hocuspocus-system.ts'
import {
  lifelinePolicyHoldSystem,
  lifelinePolicySystem,
  lifelineSystem,
  lifelineWindowSystem,
} from './lifeline-system.ts'
import { rawRelaySystem } from './raw-relay-system.ts'

/** Drivers by system name. */
export const BENCH_SYSTEMS: Record<SystemName, BenchSystem> = {
  raw: rawRelaySystem,
  hocuspocus: hocuspocusSystem,
  'durable-streams': durableStreamsSystem,
  'lifeline-window': lifelineWindowSystem,
  'lifeline-policy': lifelinePolicySystem,
  'lifeline-policy-hold': lifelinePolicyHoldSystem,
  lifeline: lifelineSystem,
}
