import EmptyState from 'c/emptyState';
import { mount, unmountAll } from '../../../../../test/lwcTestUtils';

function render(props) {
  return mount('c-empty-state', EmptyState, props);
}

describe('c-empty-state', () => {
  afterEach(() => {
    unmountAll();
  });

  it('draws the SLDS illustration with its heading and message', async () => {
    const element = await render({ heading: 'No errors', message: 'All is well.', illustration: 'no-task' });

    const container = element.shadowRoot.querySelector('.slds-illustration');
    expect(container.classList).toContain('slds-illustration_small');
    expect(container.classList).toContain('empty-state_no-task');
    const svg = container.querySelector('svg.slds-illustration__svg');
    expect(svg.getAttribute('aria-hidden')).toBe('true');
    expect(svg.querySelectorAll('path').length).toBeGreaterThan(10);
    expect(element.shadowRoot.querySelector('h3').textContent).toBe('No errors');
    expect(element.shadowRoot.querySelector('.empty-message').textContent).toBe('All is well.');
  });

  it('draws the lake and mountain by default, and leaves out a missing message', async () => {
    const element = await render({ heading: 'Nothing yet' });

    expect(element.shadowRoot.querySelector('.slds-illustration').classList).toContain(
      'empty-state_lake-mountain',
    );
    expect(element.shadowRoot.querySelector('svg').getAttribute('viewBox')).toBe('0 0 505 319');
    expect(element.shadowRoot.querySelector('.empty-message')).toBeNull();
  });

  it('is accessible', async () => {
    const element = await render({ heading: 'No errors', message: 'All is well.' });

    await expect(element).toBeAccessible();
  });
});
