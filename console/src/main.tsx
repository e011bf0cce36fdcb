import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, queryClient } from "./app";
import { storedKey } from "./lib/session-storage";
import { preloadNumberManagement } from "./pages/number-management-queries";
import "./styles.css";

// A signed-in tab opening Number Management asks for its data before the first render.
if (storedKey() && /^\/console\/numbers\/?$/.test(window.location.pathname))
  preloadNumberManagement(queryClient, window.location.search);

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
