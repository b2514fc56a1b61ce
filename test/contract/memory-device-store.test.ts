import t from 'tap'
import { MemoryDeviceStore } from '../support/memory-device-store.ts'
import { deviceContract } from './devices.ts'

deviceContract(t, 'MemoryDeviceStore', async (opts) => ({
  store: new MemoryDeviceStore(opts),
  cleanup: async () => {},
}))
