/** A screen that fails to render says so, with a way on: never a blank page. */

import { Component, type ReactNode } from "react";

interface State {
  failed: boolean;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { failed: false };

  // Nothing is logged: an error may quote what the user typed.
  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <section className="banner banner-error" role="alert">
        <h1>This screen could not be shown</h1>
        <p>
          Something in the app went wrong. Your snipes are not affected: they run on the server.{" "}
          <a href="/snipes">Back to your snipes</a> or reload the page.
        </p>
      </section>
    );
  }
}
