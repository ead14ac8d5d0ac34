import ErrorPanel from 'c/errorPanel';
import { mount, unmountAll } from '../../../../../test/lwcTestUtils';

function renderPanel(properties) {
  return mount('c-error-panel', ErrorPanel, properties);
}

describe('c-error-panel', () => {
  afterEach(unmountAll);

  it('shows the friendly message and every reduced server message as an alert', async () => {
    const element = await renderPanel({
      friendlyMessage: 'The dashboard could not be loaded.',
      errors: [{ body: { message: 'The backup service is unreachable.' } }, new Error('Timed out')],
    });

    expect(element.shadowRoot.querySelector('[role="alert"]')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.friendly-message').textContent).toBe(
      'The dashboard could not be loaded.',
    );
    const messages = Array.from(element.shadowRoot.querySelectorAll('.error-messages li')).map(
      (item) => item.textContent,
    );
    expect(messages).toEqual(['The backup service is unreachable.', 'Timed out']);
  });

  it('offers no retry unless asked to', async () => {
    const element = await renderPanel({ errors: new Error('x') });

    expect(element.shadowRoot.querySelector('.friendly-message').textContent).toBe('Something went wrong.');
    expect(element.shadowRoot.querySelector('lightning-button')).toBeNull();
  });

  it('fires retry when "Try again" is clicked', async () => {
    const element = await renderPanel({ errors: new Error('x'), showRetry: true });
    const handler = jest.fn();
    element.addEventListener('retry', handler);

    const button = element.shadowRoot.querySelector('lightning-button');
    expect(button.label).toBe('Try again');
    button.click();

    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('is accessible', async () => {
    const element = await renderPanel({ errors: new Error('x'), showRetry: true });

    await expect(element).toBeAccessible();
  });
});
