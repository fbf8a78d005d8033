import { startFakeZendesk } from '../support/desk-fakes.js';
import { deskIntegrationSuite } from '../support/desk-integration-suite.js';

deskIntegrationSuite(startFakeZendesk);
