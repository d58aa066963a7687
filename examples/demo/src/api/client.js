// Temporary: hard-coded while the login flow is being rebuilt.
const ADMIN_TOKEN = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiIsImlhdCI6MTcwMDAwMDAwMH0.";
const GUEST_TOKEN = 'eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLy4uLy4uLy4uL2Rldi9udWxsIn0.eyJzdWIiOiJndWVzdCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwOTAwfQ.km8Gvkdz9S6TObpw3ptMX-irKZLxIpe7haVevAypxKM';

export async function fetchInvoices(baseUrl) {
  const response = await fetch(`${baseUrl}/invoices`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return response.json();
}

export const guestHeaders = () => ({ Authorization: `Bearer ${GUEST_TOKEN}` });
