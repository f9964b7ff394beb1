import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('boots with its config and offers the guest sign-in', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Delivery test' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };
    render(<App />);
    // The sign-in page lists the guest provider; the app would render nothing here if its wiring were broken.
    expect((await screen.findAllByText(/guest/i, {}, { timeout: 20_000 }))[0]).toBeInTheDocument();
  }, 30_000);
});
