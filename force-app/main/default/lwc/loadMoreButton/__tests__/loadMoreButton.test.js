import LoadMoreButton from 'c/loadMoreButton';
import { flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

function button(element) {
  return element.shadowRoot.querySelector('lightning-button');
}

describe('c-load-more-button', () => {
  afterEach(unmountAll);

  it('offers the next page and fires loadmore when clicked', async () => {
    const element = await mount('c-load-more-button', LoadMoreButton);
    const handler = jest.fn();
    element.addEventListener('loadmore', handler);

    expect(button(element).label).toBe('Load more');
    expect(button(element).disabled).toBe(false);
    button(element).click();

    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('says it is loading and cannot be clicked again while the page is on its way', async () => {
    const element = await mount('c-load-more-button', LoadMoreButton, { loading: true });

    expect(button(element).label).toBe('Loading…');
    expect(button(element).disabled).toBe(true);

    element.loading = false;
    await flushPromises();
    expect(button(element).label).toBe('Load more');
  });

  it('is accessible', async () => {
    const element = await mount('c-load-more-button', LoadMoreButton);

    await expect(element).toBeAccessible();
  });
});
