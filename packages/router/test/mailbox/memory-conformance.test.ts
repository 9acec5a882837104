import { mailBoxConformance } from '../../src/mailbox/conformance.js';
import { createMemoryMailBox } from '../../src/mailbox/memory.js';

mailBoxConformance('memory', async () => ({ mailBox: createMemoryMailBox() }));
