// Registers `expect(element).toBeAccessible()` (axe-core rules through @sa11y/jest) for every LWC test.
import { registerSa11yMatcher } from '@sa11y/jest';

registerSa11yMatcher();
