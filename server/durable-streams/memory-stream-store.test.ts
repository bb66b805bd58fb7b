import { createMemoryStreamStore } from './memory-stream-store.ts'
import { describeStreamStoreContract } from './stream-store.contract.ts'

describeStreamStoreContract('memory', async () => createMemoryStreamStore())
