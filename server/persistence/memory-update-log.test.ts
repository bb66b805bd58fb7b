/**
 * In-memory UpdateLog: the shared contract. Its storage is the log object itself, so "reopening" hands back the
 * same object, as a process that never restarted would see it.
 */
import { createMemoryUpdateLog } from './memory-update-log.ts'
import { describeUpdateLogContract } from './update-log.contract.ts'

describeUpdateLogContract(
  'memory',
  async () => createMemoryUpdateLog(),
  async (closed) => closed,
)
