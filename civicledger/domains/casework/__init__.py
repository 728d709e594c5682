"""Social-work casework (专业社会工作服务): stations, their social workers and special projects, and residents'
cases from intake to closure."""
