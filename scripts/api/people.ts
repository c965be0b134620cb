/** Reference data of the simulator: places (lat, lon, place, country code, time zone), names, user agents. */
export const PLACES: readonly [string, string, string, string, string][] = [
  ["40.71427", "-74.00597", "New York City", "US", "America/New_York"],
  ["34.05223", "-118.24368", "Los Angeles", "US", "America/Los_Angeles"],
  ["41.85003", "-87.65005", "Chicago", "US", "America/Chicago"],
  ["29.76328", "-95.36327", "Houston", "US", "America/Chicago"],
  ["47.60621", "-122.33207", "Seattle", "US", "America/Los_Angeles"],
  ["43.70011", "-79.4163", "Toronto", "CA", "America/Toronto"],
  ["45.50884", "-73.58781", "Montreal", "CA", "America/Toronto"],
  ["19.42847", "-99.12766", "Mexico City", "MX", "America/Mexico_City"],
  ["-23.5475", "-46.63611", "Sao Paulo", "BR", "America/Sao_Paulo"],
  ["-14.35", "-39.98", "Ipiau", "BR", "America/Bahia"],
  ["-34.61315", "-58.37723", "Buenos Aires", "AR", "America/Argentina/Buenos_Aires"],
  ["51.50853", "-0.12574", "London", "GB", "Europe/London"],
  ["53.48095", "-2.23743", "Manchester", "GB", "Europe/London"],
  ["48.85341", "2.3488", "Paris", "FR", "Europe/Paris"],
  ["45.74846", "4.84671", "Lyon", "FR", "Europe/Paris"],
  ["52.52437", "13.41053", "Berlin", "DE", "Europe/Berlin"],
  ["48.13743", "11.57549", "Munich", "DE", "Europe/Berlin"],
  ["40.4165", "-3.70256", "Madrid", "ES", "Europe/Madrid"],
  ["41.38879", "2.15899", "Barcelona", "ES", "Europe/Madrid"],
  ["41.89193", "12.51133", "Rome", "IT", "Europe/Rome"],
  ["52.37403", "4.88969", "Amsterdam", "NL", "Europe/Amsterdam"],
  ["59.33258", "18.0649", "Stockholm", "SE", "Europe/Stockholm"],
  ["50.06143", "19.93658", "Krakow", "PL", "Europe/Warsaw"],
  ["35.6895", "139.69171", "Tokyo", "JP", "Asia/Tokyo"],
  ["37.566", "126.9784", "Seoul", "KR", "Asia/Seoul"],
  ["19.07283", "72.88261", "Mumbai", "IN", "Asia/Kolkata"],
  ["-33.86785", "151.20732", "Sydney", "AU", "Australia/Sydney"],
  ["-36.84853", "174.76349", "Auckland", "NZ", "Pacific/Auckland"],
  ["-26.20227", "28.04363", "Johannesburg", "ZA", "Africa/Johannesburg"],
  ["6.45407", "3.39467", "Lagos", "NG", "Africa/Lagos"],
];

export const FIRST_NAMES = [
  "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas", "Mia", "Mateo", "Amelia", "Ethan",
  "Harper", "Hiroshi", "Yuna", "Aarav", "Priya", "Chloe", "Lena", "Jonas", "Sofia", "Marco", "Ines", "Tomasz", "Zanele", "Chidi",
  "Ana", "João", "Björn", "Zoë", "Renée", "Mohammed", "Fatima",
];

export const LAST_NAMES = [
  "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson", "Taylor",
  "Nguyen", "Kim", "Sato", "Patel", "Müller", "Schmidt", "Dubois", "Rossi", "Kowalski", "Andersson", "de Vries", "O'Brien",
  "Silva", "Santos", "Okafor", "Dlamini", "Fernández", "Ivanova",
];

export const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 9; Pixel 3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.110 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:63.0) Gecko/20100101 Firefox/63.0",
  "DeFtunes/3.2.1 (iOS 12.1; iPad7,5)",
  "DeFtunes/3.2.0 (Android 8.1.0; SM-G960F)",
];
