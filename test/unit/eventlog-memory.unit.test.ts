import { createMemoryLog, createMemoryStore } from '../../src/eventlog/memory.js';
import { eventLogContract } from '../support/eventlog-contract.js';

eventLogContract('memory', () => {
  const store = createMemoryStore();
  return {
    open: () => createMemoryLog({ store }),
    openAnother: () => createMemoryLog({ store }),
    cleanup: () => undefined,
  };
});
